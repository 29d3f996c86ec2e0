# ruff: noqa: PTH105, PTH118, PTH123
# (no pathlib on purpose: importing it is a cost this floor leaves out)
"""The least any decide-strategy process has to do, in the standard library only.

Read and hash risk-inputs.json, write two JSON files atomically (fsync, rename) and append one
row to an SQLite audit table: no validation, no policy, no scoring. bench_decide times it
beside the real command to show how much of the budget the interpreter and the disk take.
"""

import hashlib
import json
import os
import sqlite3
import sys

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
