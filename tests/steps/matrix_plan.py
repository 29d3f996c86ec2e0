"""A build matrix planned from a config, for the matrix tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from cipipe.adapters.toolchain import Compiler
from cipipe.contracts.loading import validate_data
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.source import Source
from cipipe.steps.build_matrix import Probe, plan_matrix

SOURCE = Source(
    repo_url=None,
    commit="a" * 40,
    branch="main",
    author=None,
    pr_id=None,
    target_branch=None,
    message="m",
    commit_time=datetime(2026, 1, 2, tzinfo=UTC),
    detached_head=False,
    dirty=False,
    submodules=[],
    provenance={},
)


def config(text: str) -> RepoConfig:
    return validate_data(RepoConfig, yaml.safe_load(text), ".cipipe.yaml")


def installed(executable: str) -> Compiler | None:
    """Every compiler is installed, in version 12.2.0 (no compiler is run)."""
    return Compiler(executable, f"/usr/bin/{executable}", "12.2.0", f"{executable} 12.2.0")


def plan(text: str, probe: Probe = installed) -> Any:
    return plan_matrix(config(text), SOURCE, config_file=".cipipe.yaml", probe=probe)
