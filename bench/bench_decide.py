"""cipipe decide-strategy as a whole process against `python -c pass`.

A typical decision: risk-inputs.json with build-info.json beside it (the changed paths), a
context.yaml, the shipped policy folder, the SQLite audit log, the file notifier and no
publish.json (so no store is contacted). The work folder is prepared once; each round appends
one more audit record and one more notification, as successive builds would.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.riskinputs import write_workdir  # noqa: E402

CHANGED = ["src/server.c", "src/handlers/orders.c", "include/orders.h", "docs/README.md"]
OUTSIDE_CONFIG = ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "CIPIPE_DB", "CIPIPE_ARTIFACTORY_URL")


def run(rounds: int) -> bool:
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    for var in OUTSIDE_CONFIG:  # the benchmark measures the file channel and SQLite
        os.environ.pop(var, None)
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
        floor = [
            sys.executable,
            str(Path(__file__).with_name("decide_floor.py")),
            str(work),
            str(Path(tmp) / "floor.sqlite3"),
        ]
        commands = [
            Command("python -c pass", [sys.executable, "-c", "pass"]),
            # What the interpreter and the disk cost before any cipipe code: the floor.
            Command("stdlib floor (read, hash, write, audit)", floor),
            Command("import pydantic", [sys.executable, "-c", "import pydantic.main"]),
            Command("cipipe decide-strategy", decide),
        ]
        medians = measure(commands, rounds=rounds)
    return report(
        "decide-strategy, whole process (same interpreter, same run)",
        medians,
        [
            Comparison("stdlib floor (read, hash, write, audit)", "python -c pass"),
            Comparison("import pydantic", "python -c pass"),
            Comparison("cipipe decide-strategy", "python -c pass", max_ratio=2.5),
        ],
    )
