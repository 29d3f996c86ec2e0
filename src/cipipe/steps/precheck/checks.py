"""Run each configured check and judge its result against the repository's policy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cipipe.adapters.analyzers.config_compat import unreadable_config
from cipipe.adapters.analyzers.interface import AnalysisRequest, AnalysisResult, Analyzer
from cipipe.adapters.process import ProgramNotFound, find_program
from cipipe.contracts.precheck import SEVERITY_ORDER, CheckResult, Finding, SeverityCounts, ToolInfo
from cipipe.contracts.precheck_config import CheckPolicy, CppcheckPolicy, PrecheckConfig
from cipipe.steps.precheck.telemetry import check_contract_files

log = logging.getLogger("cipipe.precheck")

TELEMETRY_CHECK = "telemetry-contract"
FORMATTER = "clang-format"
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
    """precheck.compile_commands when set, else a compile_commands.json at the top or in
    build/ (one a build or an IDE left)."""
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


def _stopped(findings: list[Finding], timed_out_after: float | None, files: list[str]) -> str:
    if files:
        named = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
        limit = f" after {timed_out_after:g} s" if timed_out_after is not None else ""
        return f"{len(files)} file(s) timed out{limit} each and were not analysed: {named}"
    return f"timed out after {timed_out_after:g} s, {len(findings)} finding(s) before"


def judged(
    result: partial[CheckResult],
    policy: CheckPolicy,
    findings: list[Finding],
    timed_out_after: float | None,
    timed_out_files: list[str] | None = None,
    **details: Any,
) -> CheckResult:
    """The check's result under its policy: failed on findings at or above fail_on;
    incomplete (never passed) when the tool, or its analysis of a file, was stopped at its
    time limit, with what it found in time."""
    bad = failing(findings, policy.fail_on)
    reason = f"{len(bad)} finding(s) at or above {policy.fail_on}" if bad else None
    if bad and result.keywords["name"] == FORMATTER:
        # Files are what a developer reformats: 4,808 findings may be 80 files.
        files = len({f.file for f in bad})
        reason = f"{files} file(s) not formatted ({len(bad)} finding(s))"
    stopped = timed_out_after is not None or bool(timed_out_files)
    if stopped:
        reason = _stopped(findings, timed_out_after, timed_out_files or []) + (
            f"; {reason}" if reason else ""
        )
    return result(
        status="incomplete" if stopped else "ran",
        passed=not bad and not stopped,
        reason=reason,
        failing=len(bad),
        timed_out_after=timed_out_after,
        timed_out_files=timed_out_files or [],
        counts=count(findings),
        files_with_findings=len({f.file for f in findings if f.file}),
        findings=findings,
        **details,
    )


def analyze_safely(analyzer: Analyzer, request: AnalysisRequest) -> AnalysisResult:
    try:
        return analyzer.analyze(request)
    except ProgramNotFound as exc:
        return AnalysisResult(error=str(exc))


@dataclass(frozen=True)
class Ready:
    """A check that will run: its analyser, policy, tool, request and result template."""

    analyzer: Analyzer
    policy: CheckPolicy
    tool: ToolInfo
    request: AnalysisRequest
    result: partial[CheckResult]


def prepare(
    analyzer: Analyzer,
    policy: CheckPolicy,
    repo: Path,
    files: list[str],
    config: PrecheckConfig,
    compile_db_dir: Path | None = None,
    changed_lines: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> CheckResult | Ready:
    """The check's final result when it will not run (disabled, not installed, nothing to
    check, a style file the tool cannot read), else what running it needs."""
    result = partial(
        CheckResult,
        name=analyzer.name,
        blocking=policy.blocking,
        required=policy.required,
        fail_on=policy.fail_on,
    )
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
    refused = unreadable_config(analyzer.name, path, repo, files, tool.version)
    if refused is not None:
        return result(
            status=refused.status, passed=not policy.required, tool=tool, reason=refused.reason
        )
    request = AnalysisRequest(
        repo=repo,
        files=files,
        executable=path,
        args=policy.args,
        std=config.std,
        include_dirs=config.include_dirs,
        compile_db_dir=compile_db_dir,
        timeout=policy.timeout_seconds,
        max_configs=policy.max_configs if isinstance(policy, CppcheckPolicy) else None,
        changed_lines=changed_lines,
    )
    return Ready(analyzer, policy, tool, request, result)


def finished(
    ready: Ready,
    outcome: AnalysisResult,
    *,
    from_cache: int = 0,
    timed_out_files: list[str] | None = None,
) -> CheckResult:
    """The check's result from its analysis (merged over its files)."""
    files = len(ready.request.files)
    if outcome.error:
        return ready.result(
            status="failed-to-run",
            passed=not ready.policy.required,
            reason=outcome.error,
            tool=ready.tool,
            files_checked=files,
        )
    details: dict[str, Any] = {
        "tool": ready.tool,
        "files_checked": files,
        "files_from_cache": from_cache,
    }
    if outcome.whole_files is not None:
        details |= {"lines": "changed", "whole_files": outcome.whole_files, "note": outcome.note}
    return judged(
        ready.result,
        ready.policy,
        outcome.findings,
        outcome.timed_out_after,
        timed_out_files,
        **details,
    )


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
            failing=len(findings),
            files_with_findings=len({f.file for f in findings if f.file}),
            counts=count(findings),
            findings=findings,
        )

    return _timed(attempt)
