"""cipipe start-up: `cipipe --help` and `cipipe validate` against `python -c pass`, and `gate`
and `build-info` as whole processes against the floor of importing pydantic, yaml and sqlite3
(decide_floor.py --with-libraries: the floor bench_decide holds decide-strategy to).

gate reads the reports of a green build (the work folder the gate's CLI tests write) and
writes gate.json and its JUnit XML; build-info reads a two-commit repository (git log and diff)
and the SQLite history store, and writes build-info.json and risk-inputs.json.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
FLOOR = Path(__file__).with_name("decide_floor.py")
FLOOR_NAME = "floor (pydantic, yaml, sqlite3)"
SOURCE_JSON = """{
  "schema": "cipipe.source/1", "repo_url": null, "commit": "%s", "branch": "main",
  "author": {"name": "Ada", "email": "ada@example.com"}, "pr_id": null, "target_branch": null,
  "message": "m", "commit_time": "2026-01-02T10:00:00Z", "detached_head": false,
  "dirty": false, "submodules": [], "provenance": {"commit": "git"}, "warnings": []
}
""" % ("c" * 40)
CONFIG = "service: svc\nkind: firmware\nsupports: [linux]\n"


def run(rounds: int) -> bool:
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    # An installed cipipe has its bytecode compiled (pip does it); without this, a shell that
    # sets PYTHONDONTWRITEBYTECODE would have every round compile cipipe from source.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.json"
        source.write_text(SOURCE_JSON)
        commands = [
            Command("python -c pass", [sys.executable, "-c", "pass"]),
            Command("cipipe --help", [cipipe, "--help"]),
            Command("cipipe validate source.json", [cipipe, "validate", str(source)]),
            Command(FLOOR_NAME, _floor(Path(tmp))),
            Command("cipipe gate", _gate(cipipe, Path(tmp) / "gate")),
            Command("cipipe build-info", _build_info(cipipe, Path(tmp) / "build-info")),
        ]
        medians = measure(commands, rounds=rounds)
    return report(
        "CLI start-up (same interpreter, same run)",
        medians,
        [
            Comparison("cipipe --help", "python -c pass", max_ratio=1.5),
            Comparison("cipipe validate source.json", "python -c pass"),
            Comparison("cipipe gate", FLOOR_NAME, max_ratio=2.0),
            Comparison("cipipe build-info", FLOOR_NAME, max_ratio=2.0),
        ],
    )


def _floor(tmp: Path) -> list[str]:
    work = tmp / "floor"
    work.mkdir()
    (work / "risk-inputs.json").write_text(SOURCE_JSON)  # any JSON file of that size
    return [sys.executable, str(FLOOR), "--with-libraries", str(work), str(tmp / "floor.sqlite3")]


def _gate(cipipe: str, folder: Path) -> list[str]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.steps.gate.reports import write_reports
    from tests.support.outside import OUTSIDE_CONFIG

    for var in OUTSIDE_CONFIG:  # the file channel, no store, no code host
        os.environ.pop(var, None)
    work = folder / "work"
    repo = write_reports(work)
    return [cipipe, "--workdir", str(work), "gate", "--repo", str(repo)]


def _build_info(cipipe: str, folder: Path) -> list[str]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.steps.build_info.prepared import prepare
    from tests.support.gitrepo import GitRepoBuilder

    repo = GitRepoBuilder(folder / "svc")
    repo.commit("init", {".cipipe.yaml": CONFIG, "net/tcp.c": "int tcp;\n", "app/main.c": "x\n"})
    repo.commit("Fix tcp overflow", {"net/tcp.c": "int tcp;\nint fixed;\n"})
    work = folder / "work"
    prepare(repo, work)
    db = folder / "history.sqlite3"
    return [cipipe, "--workdir", str(work), "build-info", "--repo", str(repo.root), "--db", str(db)]
