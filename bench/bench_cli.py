"""cipipe start-up: `cipipe --help` and `cipipe validate` against `python -c pass`."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, measure, report

SOURCE_JSON = """{
  "schema": "cipipe.source/1", "repo_url": null, "commit": "%s", "branch": "main",
  "author": {"name": "Ada", "email": "ada@example.com"}, "pr_id": null, "target_branch": null,
  "message": "m", "commit_time": "2026-01-02T10:00:00Z", "detached_head": false,
  "dirty": false, "submodules": [], "provenance": {"commit": "git"}, "warnings": []
}
""" % ("c" * 40)


def run(rounds: int) -> bool:
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.json"
        source.write_text(SOURCE_JSON)
        commands = [
            Command("python -c pass", [sys.executable, "-c", "pass"]),
            Command("cipipe --help", [cipipe, "--help"]),
            Command("cipipe validate source.json", [cipipe, "validate", str(source)]),
        ]
        medians = measure(commands, rounds=rounds)
    return report(
        "CLI start-up (same interpreter, same run)",
        medians,
        [
            Comparison("cipipe --help", "python -c pass", max_ratio=1.5),
            Comparison("cipipe validate source.json", "python -c pass"),
        ],
    )
