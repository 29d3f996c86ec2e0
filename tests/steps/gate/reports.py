"""A work folder and repository holding every report the gate reads (gate and notify commands)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.base import Contract
from cipipe.contracts.source import Source
from cipipe.contracts.testing import TestsReport
from cipipe.workdir import WorkDir
from tests.steps.gate.builds import built, matrix, outcomes
from tests.steps.gate.tables import make_tests, platform, precheck, scan

COMMIT = "c" * 40  # the commit of the published candidate (tests/steps/publish)

CONFIG = """\
service: svc
supports: [linux]
platforms:
  linux:
    tests:
      smoke: {command: "svc --health"}
      coverage: {command: "gcovr --xml {report}"}
build:
  require_reproducible: false
"""


def same_commit(contract: Contract) -> Contract:
    return contract.model_copy(update={"commit": COMMIT})


def write_reports(
    work: Path,
    *,
    blocking: tuple[str, ...] = (),
    with_tests: bool = True,
    tests: TestsReport | None = None,
) -> Path:
    """source.json, precheck.json, tests.json and scan.json in ``work`` (all green unless told
    otherwise), and the repository with its .cipipe.yaml beside it; returns the repository."""
    repo = work.parent / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    (repo / ".cipipe.yaml").write_text(CONFIG)
    workdir = WorkDir(work)
    workdir.write(
        Source(
            repo_url="https://github.example/acme/svc.git",
            commit=COMMIT,
            branch="feature",
            author=None,
            pr_id="12",
            target_branch="main",
            message="Change it",
            commit_time=datetime(2026, 1, 2, 10, tzinfo=UTC),
            detached_head=True,
            dirty=False,
            submodules=[],
            provenance={"commit": "git"},
        )
    )
    workdir.write(same_commit(precheck()))
    if with_tests:
        workdir.write(same_commit(tests or make_tests(platform("linux"))))
    elif workdir.exists(TestsReport):
        (work / TestsReport.FILE_NAME).unlink()
    workdir.write(scan(blocking=blocking))
    # linux planned and built (the published candidate's artifacts.json, when there is one).
    workdir.write(matrix("linux", commit=COMMIT))
    made = workdir.read(Artifacts) if workdir.exists(Artifacts) else outcomes(commit=COMMIT)
    workdir.write(made.model_copy(update={"platforms": [built("linux")]}))
    return repo
