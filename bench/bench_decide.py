"""cipipe decide-strategy as a whole process against `python -c pass`.

A typical decision: risk-inputs.json with build-info.json beside it (the changed paths), a
context.yaml, the shipped policy folder, the SQLite audit log, the file notifier and no
publish.json (so no store is contacted). The work folder is prepared once; each round appends
one more audit record and one more notification, as successive builds would.

The target (issue 16): at most twice the floor, ``decide_floor.py --with-libraries`` (pydantic,
yaml and sqlite3 imported, the files read, hashed and written, one SQLite row). The same floor
plus ``import sqlalchemy`` is timed beside it: the SQLite history store still runs on
SQLAlchemy, whose import (asyncio and ssl included) cipipe cannot avoid while it does.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.riskinputs import write_workdir  # noqa: E402

CHANGED = ["src/server.c", "src/handlers/orders.c", "include/orders.h", "docs/README.md"]


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        work = write_workdir(Path(tmp) / "work", with_build_info_paths=CHANGED).path
        context = Path(tmp) / "context.yaml"
        context.write_text("deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 250\n")
        decide = [
            cipipe,
            "--workdir",
            str(work),
            "decide-strategy",
            "--policy",
            str(REPO_ROOT / "policies"),
            "--context",
            str(context),
            "--db",
            str(Path(tmp) / "history.sqlite3"),
        ]
        floor = [sys.executable, str(FLOOR), str(work), str(Path(tmp) / "floor.sqlite3")]
        commands = [
            Command("python -c pass", [sys.executable, "-c", "pass"]),
            # What the interpreter and the disk cost before any cipipe code.
            Command("stdlib floor (read, hash, write, audit)", floor),
            Command(FLOOR_NAME, floor_with_libraries(work, Path(tmp) / "floor.sqlite3")),
            Command(
                "floor + import sqlalchemy",
                floor_with_libraries(work, Path(tmp) / "floor.sqlite3", "sqlalchemy"),
            ),
            Command("cipipe decide-strategy", decide),
        ]
        medians = measure(commands, rounds=rounds)
    return report(
        "decide-strategy, whole process (same interpreter, same run)",
        medians,
        [
            Comparison("stdlib floor (read, hash, write, audit)", "python -c pass"),
            Comparison("floor + import sqlalchemy", FLOOR_NAME),
            Comparison("cipipe decide-strategy", FLOOR_NAME, max_ratio=2.0),
        ],
    )


FLOOR = Path(__file__).with_name("decide_floor.py")
FLOOR_NAME = "floor (pydantic, yaml, sqlite3)"


def floor_with_libraries(work: Path, db: Path, *more: str) -> list[str]:
    """The floor process with pydantic and yaml imported first, and ``more`` modules."""
    if not more:
        return [sys.executable, str(FLOOR), "--with-libraries", str(work), str(db)]
    script = (
        f"import runpy, sys; import {', '.join(more)}; "
        f"sys.argv = ['decide_floor', '--with-libraries', {str(work)!r}, {str(db)!r}]; "
        f"runpy.run_path({str(FLOOR)!r}, run_name='__main__')"
    )
    return [sys.executable, "-c", script]
