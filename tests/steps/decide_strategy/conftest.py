"""Shared set-up of the decide-strategy tests: a clean environment and a `decide` runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, CliResult
from tests.support.outside import clear_outside_config

POLICIES = REPO_ROOT / "policies"
BUILD_TAG = "jenkins-svc-main-7"
DEPLOY_AT = "2026-03-04T10:00:00Z"
"""A fixed, ordinary deploy time (a Wednesday morning, no freeze): the calendar is read at it,
so decisions do not depend on when the tests run."""


Decide = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The agent's Slack, store, database and policy must not leak into a test.
    clear_outside_config(monkeypatch)
    monkeypatch.setenv("BUILD_TAG", BUILD_TAG)


@pytest.fixture
def history_db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def context_file(tmp_path: Path) -> Path:
    path = tmp_path / "context.yaml"
    path.write_text(f"deploy_at: {DEPLOY_AT}\nproduction_qps: 250\n")
    return path


@pytest.fixture
def decide(cli: Callable[..., CliResult], history_db: Path, context_file: Path) -> Decide:
    """``cipipe --workdir WORK decide-strategy`` with the shipped policy, a SQLite audit log in
    the test's folder and the fixed context; extra arguments are appended (a later --policy,
    --db or --context wins)."""

    def run(work: Path, *args: str | os.PathLike[str]) -> CliResult:
        return cli(
            "--workdir",
            work,
            "decide-strategy",
            "--policy",
            POLICIES,
            "--db",
            history_db,
            "--context",
            context_file,
            *args,
        )

    return run
