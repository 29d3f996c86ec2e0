"""Run one gtest program, rerun only its failed tests, and merge the attempts (seed 5.1)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut
from cipipe.fileio import fresh_output
from cipipe.readers.gtest_xml import GtestReport, GtestXmlError, parse_gtest_xml
from cipipe.steps.testing.flaky import MergedRun, merge_attempts, rerun_filter

log = logging.getLogger("cipipe.test")

Runner = Callable[..., int]


@dataclass(frozen=True)
class ProgramRun:
    command: list[str]
    merged: MergedRun | None
    error: str | None  # a crash or a missing report: an error result, never a pass


@dataclass(frozen=True)
class RunContext:
    cwd: Path
    env: Mapping[str, str]
    log_path: Path
    timeout: float
    runner: Runner
    workdir: Path  # reports are written below it, never through a link


def _attempt(
    argv: list[str], report: Path, ctx: RunContext
) -> tuple[GtestReport | None, str | None]:
    """The parsed report, or why there is none. A program that exits non-zero although its
    report shows no failed test (gtest's SetUpTestSuite failures look like that) is an error."""
    fresh_output(report, root=ctx.workdir)
    # GTEST_OUTPUT rather than a flag: it reaches the program unchanged through qemu and wine,
    # and leaves the configured command as the team wrote it.
    env = {**ctx.env, "GTEST_OUTPUT": f"xml:{report}"}
    try:
        code = ctx.runner(argv, cwd=ctx.cwd, env=env, log_path=ctx.log_path, timeout=ctx.timeout)
    except (ProgramNotFound, ProgramTimedOut) as exc:
        return None, str(exc)
    if not report.is_file():
        return None, f"exited {code} without writing a test report (crashed?)"
    try:
        parsed = parse_gtest_xml(report.read_text(encoding="utf-8", errors="replace"))
    except GtestXmlError as exc:
        return None, f"exited {code}; its test report is unreadable: {exc}"
    if code != 0 and parsed.failed == 0:
        return None, f"exited {code} although its report shows no failed test"
    return parsed, None


def run_gtest_program(
    argv: list[str], prefix: list[str], reports: Path, reruns: int, ctx: RunContext
) -> ProgramRun:
    first, error = _attempt([*prefix, *argv], reports.with_suffix(".xml"), ctx)
    if first is None:
        return ProgramRun(argv, None, error)
    attempts: list[GtestReport] = []
    failing = first.failed_names
    for number in range(1, reruns + 1):
        if not failing:
            break
        log.info("rerunning %d failed test(s), attempt %d", len(failing), number)
        rerun_argv = [*prefix, *argv, f"--gtest_filter={rerun_filter(failing)}"]
        report, rerun_error = _attempt(
            rerun_argv, reports.with_name(f"{reports.name}-rerun{number}.xml"), ctx
        )
        if report is None:
            log.warning("rerun %d gave no report: %s", number, rerun_error)
            break
        attempts.append(report)
        failing = report.failed_names
    return ProgramRun(argv, merge_attempts(first, attempts), None)
