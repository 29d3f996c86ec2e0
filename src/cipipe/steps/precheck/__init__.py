"""cipipe precheck (seed 2.1, 2.2): record the exact source, then run the lightweight checks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cipipe.adapters.analyzers.interface import Analyzer
from cipipe.adapters.git.interface import GitRepo
from cipipe.contracts.precheck import CheckResult, Precheck
from cipipe.contracts.repo_config import CheckPolicy, RepoConfig
from cipipe.contracts.source import Source
from cipipe.formats.sarif import precheck_sarif
from cipipe.steps.precheck.checks import run_analyzer, run_telemetry_check
from cipipe.steps.precheck.files import select_files
from cipipe.steps.precheck.source import SourceFlags, resolve_source

__all__ = ["PrecheckOutputs", "SourceFlags", "blocking_failures", "run_precheck"]

log = logging.getLogger("cipipe.precheck")


@dataclass(frozen=True)
class PrecheckOutputs:
    source: Source
    precheck: Precheck
    sarif: dict[str, Any]


def _policy(config: RepoConfig, name: str) -> CheckPolicy:
    policies = {
        "clang-format": config.precheck.clang_format,
        "cppcheck": config.precheck.cppcheck,
        "clang-tidy": config.precheck.clang_tidy,
    }
    return policies[name]


def blocking_failures(checks: Sequence[CheckResult]) -> list[str]:
    """A check fails the precheck when it is blocking and failed, or could not give a result
    although it is required (a missing tool is never a silent pass)."""
    return [c.name for c in checks if not c.passed and (c.blocking or c.status != "ran")]


def run_precheck(
    git: GitRepo,
    config: RepoConfig,
    analyzers: Sequence[Analyzer],
    *,
    env: Mapping[str, str],
    flags: SourceFlags,
    scope: str | None = None,
) -> PrecheckOutputs:
    source = resolve_source(git, env, flags)
    for warning in source.warnings:
        log.warning("%s", warning)
    scope = scope or config.precheck.scope
    selection = select_files(
        git,
        config.precheck,
        scope=scope,
        commit=source.commit,
        target_branch=source.target_branch or config.default_branch,
    )
    log.info("precheck: %d C/C++ file(s) in scope (%s)", len(selection.files), scope)
    # The tools are separate processes: running them side by side halves a precheck's wall time.
    with ThreadPoolExecutor(max_workers=max(1, len(analyzers))) as pool:
        checks = list(
            pool.map(
                lambda a: run_analyzer(
                    a, _policy(config, a.name), git.root, selection.files, config.precheck
                ),
                analyzers,
            )
        )
    checks.append(run_telemetry_check(git.root, config.precheck))
    for check in checks:
        log.info(
            "%s: %s%s",
            check.name,
            check.status if check.passed else f"{check.status}, FAILED",
            f" ({check.reason})" if check.reason else "",
        )
    failures = blocking_failures(checks)
    precheck = Precheck(
        commit=source.commit,
        scope="changed" if scope == "changed" else "all",
        base=selection.base,
        outcome="failed" if failures else "passed",
        blocking_failures=failures,
        checks=checks,
    )
    return PrecheckOutputs(source=source, precheck=precheck, sarif=precheck_sarif(precheck, source))
