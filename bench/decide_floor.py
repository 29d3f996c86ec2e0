# ruff: noqa: PTH105, PTH118, PTH123
# (no pathlib on purpose: importing it is a cost this floor leaves out)
"""The least any decide-strategy process has to do, in the standard library only.

Read and hash risk-inputs.json, write two JSON files atomically (fsync, rename) and append one
row to an SQLite audit table: no validation, no policy, no scoring. bench_decide times it
beside the real command to show how much of the budget the interpreter and the disk take.

With ``--with-libraries`` it first imports what every cipipe command that reads or writes a
file needs: pydantic's model machinery and yaml (the issue's floor: pydantic + yaml + sqlite3
in the same interpreter). bench_decide and bench_cli hold decide-strategy, gate and build-info
to a multiple of that floor.
"""

import hashlib
import json
import os
import sqlite3
import sys

if sys.argv[1] == "--with-libraries":
    import pydantic.main  # noqa: F401
    import yaml  # noqa: F401

    del sys.argv[1]
work, db_path = sys.argv[1], sys.argv[2]
with open(os.path.join(work, "risk-inputs.json"), "rb") as handle:
    raw = handle.read()
digest = hashlib.sha256(raw).hexdigest()
document = json.dumps({"inputs": json.loads(raw), "digest": digest}, indent=2).encode()
for name in ("floor-a.json", "floor-b.json"):
    target = os.path.join(work, name)
    fd = os.open(target + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, document)
    os.fsync(fd)
    os.close(fd)
    os.replace(target + ".tmp", target)
db = sqlite3.connect(db_path)
db.execute("CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY, hash TEXT, doc TEXT)")
db.execute("INSERT INTO decisions (hash, doc) VALUES (?, ?)", (digest, document))
db.commit()
db.close()
