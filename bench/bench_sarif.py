"""precheck.sarif's fingerprints on a real repository: one finding on the last line of each of
yaml-cpp's 119 C/C++ files (1.1 MB, its vendored googletest left out), the worst case, since
every file is read and every line hashed.

The baseline is the same process writing the same log without fingerprints (the cost of
loading precheck.json and building the SARIF); the floor of any fingerprinting, reading and
decoding those files, is timed beside it. Target: the fingerprints add at most 1 s to a
precheck whose analysers take minutes on this repository (bench_precheck: 269 s), and its
unchanged rerun stays within that benchmark's 3 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support.realrepos import clone, missing_reason  # noqa: E402

from harness import Command, measure  # noqa: E402

ADDED_TARGET_SECONDS = 1.0
SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx")

SARIF_SCRIPT = """\
import json, sys
from pathlib import Path
from cipipe.contracts.precheck import Precheck
from cipipe.contracts.source import Source
from cipipe.formats.sarif import precheck_sarif
work, repo = Path(sys.argv[1]), sys.argv[2]
precheck = Precheck.model_validate_json((work / "precheck.json").read_text())
source = Source.model_validate_json((work / "source.json").read_text())
log = precheck_sarif(precheck, source, root=Path(repo) if repo != "-" else None)
printed = sum("partialFingerprints" in r for run in log["runs"] for r in run["results"])
print(printed, len(json.dumps(log)))
"""
FLOOR_SCRIPT = """\
import sys
from pathlib import Path
repo = Path(sys.argv[1])
print(sum(len((repo / f).read_bytes().decode("utf-8", "replace")) for f in sys.argv[2:]))
"""


def _files(repo: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    return sorted(f for f in listed if f.endswith(SUFFIXES) and "googletest-" not in f)


def _inputs(repo: Path, files: list[str], work: Path) -> None:
    findings: list[dict[str, Any]] = []
    for file in files:
        lines = (repo / file).read_bytes().count(b"\n") or 1
        findings.append(
            {
                "file": file,
                "line": lines,
                "rule": "unusedFunction",
                "message": "The function is never used.",
                "severity": "note",
                "tool_severity": "style",
            }
        )
    check: dict[str, Any] = {"name": "cppcheck", "status": "ran", "passed": True, "blocking": False}
    check |= {"required": False, "findings": findings}
    precheck: dict[str, Any] = {
        "schema": "cipipe.precheck/1",
        "commit": "0" * 40,
        "scope": "all",
        "base": None,
    }
    precheck |= {"outcome": "passed", "blocking_failures": [], "checks": [check]}
    source: dict[str, Any] = {
        "schema": "cipipe.source/1",
        "repo_url": None,
        "commit": "0" * 40,
        "branch": "master",
        "author": None,
        "pr_id": None,
        "target_branch": None,
        "message": None,
        "commit_time": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        "detached_head": False,
        "dirty": False,
        "submodules": [],
        "provenance": {},
    }
    work.mkdir()
    (work / "precheck.json").write_text(json.dumps(precheck))
    (work / "source.json").write_text(json.dumps(source))


def run(rounds: int) -> bool:
    reason = missing_reason("yaml-cpp")
    if reason:
        print(f"\nSARIF fingerprints: not run ({reason})")
        return False
    rounds = max(5, rounds // 3)
    with tempfile.TemporaryDirectory(prefix="cipipe-bench-sarif-") as tmp:
        repo = clone("yaml-cpp", Path(tmp) / "yaml-cpp")
        files = _files(repo)
        work = Path(tmp) / "work"
        _inputs(repo, files, work)
        python = [sys.executable, "-c"]
        plain = Command("sarif, no fingerprints", [*python, SARIF_SCRIPT, str(work), "-"])
        printed = Command("sarif with fingerprints", [*python, SARIF_SCRIPT, str(work), str(repo)])
        floor = Command("read + decode the files", [*python, FLOOR_SCRIPT, str(repo), *files])
        # Once outside the timings: every finding must get its fingerprint.
        answer = subprocess.run(printed.argv, capture_output=True, text=True, check=True)
        complete = answer.stdout.split()[0] == str(len(files))
        medians = measure([plain, printed, floor], rounds=rounds, warmup=1)
    added = medians[printed.name] - medians[plain.name]
    shape = f"{len(files)} files of yaml-cpp, one finding each ({rounds} rounds)"
    print(f"\nSARIF fingerprints: {shape}")
    print(f"  {'command':<34} {'median ms':>10}")
    for name, median in medians.items():
        print(f"  {name:<34} {median * 1000:>10.1f}")
    ok = added <= ADDED_TARGET_SECONDS
    verdict = "PASS" if ok else "FAIL"
    print(f"  fingerprints add {added:.2f} s  target <= {ADDED_TARGET_SECONDS:g} s: {verdict}")
    print(f"  every finding fingerprinted: {'PASS' if complete else 'FAIL'}")
    return ok and complete
