"""Run each configured check and judge its result against the repository's policy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from cipipe.adapters.analyzers.interface import AnalysisRequest, Analyzer
from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, find_program
from cipipe.contracts.precheck import SEVERITY_ORDER, CheckResult, Finding, SeverityCounts, ToolInfo
from cipipe.contracts.repo_config import CheckPolicy, PrecheckConfig
from cipipe.steps.precheck.telemetry import check_contract_files

log = logging.getLogger("cipipe.precheck")

TELEMETRY_CHECK = "telemetry-contract"
COMPILE_DB_FOLDERS = (".", "build")


def count(findings: list[Finding]) -> SeverityCounts:
    counts = SeverityCounts()
    for finding in findings:
        setattr(counts, finding.severity, getattr(counts, finding.severity) + 1)
    return counts


def failing(findings: list[Finding], fail_on: str) -> list[Finding]:
    floor = SEVERITY_ORDER[fail_on]
    return [f for f in findings if SEVERITY_ORDER[f.severity] >= floor]


def find_compile_db(repo: Path, config: PrecheckConfig) -> Path | None:
    folders = [config.compile_commands] if config.compile_commands else COMPILE_DB_FOLDERS
    for folder in folders:
        if folder and (repo / folder / "compile_commands.json").is_file():
            return (repo / folder).resolve()
    return None


def _timed(fn: Callable[[], CheckResult]) -> CheckResult:
    start = time.monotonic()
    result = fn()
    result.duration_seconds = round(time.monotonic() - start, 3)
    return result


def run_analyzer(
    analyzer: Analyzer, policy: CheckPolicy, repo: Path, files: list[str], config: PrecheckConfig
) -> CheckResult:
    result = partial(
        CheckResult, name=analyzer.name, blocking=policy.blocking, required=policy.required
    )

    def attempt() -> CheckResult:
        if not policy.enabled:
            return result(status="disabled", passed=True, reason="disabled in .cipipe.yaml")
        executable = policy.executable or analyzer.default_executable
        path = find_program(executable)
        if path is None:
            return result(
                status="not-installed",
                passed=not policy.required,
                reason=f"{executable} is not installed (not on PATH)",
            )
        tool = ToolInfo(executable=executable, version=analyzer.version(path))
        skip_reason = analyzer.skip_reason(repo) or (None if files else "no files to check")
        if skip_reason:
            return result(status="skipped", passed=True, tool=tool, reason=skip_reason)
        request = AnalysisRequest(
            repo=repo,
            files=files,
            executable=path,
            args=policy.args,
            std=config.std,
            include_dirs=config.include_dirs,
            compile_db_dir=find_compile_db(repo, config),
        )
        log.info("%s: checking %d file(s)", analyzer.name, len(files))
        try:
            outcome = analyzer.analyze(request)
        except (ProgramNotFound, ProgramTimedOut) as exc:
            outcome_error: str | None = str(exc)
            findings: list[Finding] = []
        else:
            outcome_error, findings = outcome.error, outcome.findings
        if outcome_error:
            return result(
                status="failed-to-run",
                passed=not policy.required,
                reason=outcome_error,
                tool=tool,
                files_checked=len(files),
            )
        bad = failing(findings, policy.fail_on)
        return result(
            status="ran",
            passed=not bad,
            reason=f"{len(bad)} finding(s) at or above {policy.fail_on}" if bad else None,
            tool=tool,
            files_checked=len(files),
            counts=count(findings),
            findings=findings,
        )

    return _timed(attempt)


def run_telemetry_check(repo: Path, config: PrecheckConfig) -> CheckResult:
    telemetry = config.telemetry
    result = partial(CheckResult, name=TELEMETRY_CHECK, blocking=telemetry.blocking, required=True)

    def attempt() -> CheckResult:
        if not telemetry.required:
            return result(status="skipped", passed=True, reason="no telemetry contract declared")
        findings = check_contract_files(repo, telemetry.required)
        return result(
            status="ran",
            passed=not findings,
            reason=f"{len(findings)} telemetry contract problem(s)" if findings else None,
            files_checked=len(telemetry.required),
            counts=count(findings),
            findings=findings,
        )

    return _timed(attempt)
