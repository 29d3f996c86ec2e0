"""Run one test command, rerun only its failed tests by name, and merge the attempts (seed 5.1).

The framework (ctest, googletest, Catch2; see ``frameworks``) decides how a run is asked for its
report and how a rerun selects tests; the merge of attempts is the same for all.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.process import LoggedRunner, ProgramNotFound, ProgramTimedOut
from cipipe.fileio import fresh_output, open_folder
from cipipe.readers.gtest_xml import GtestReport, GtestXmlError
from cipipe.readers.junit_reports import output_tail
from cipipe.steps.testing.ctest_detail import Commands, ctest_commands, with_gtest_detail
from cipipe.steps.testing.flaky import MergedRun, merge_attempts
from cipipe.steps.testing.frameworks import Framework, FrameworkName, gtest_folder

log = logging.getLogger("cipipe.test")

LOG_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProgramRun:
    command: list[str]
    merged: MergedRun | None
    error: str | None  # a crash or a missing report: an error result, never a pass
    framework: FrameworkName = "gtest"


@dataclass(frozen=True)
class RunContext:
    cwd: Path
    env: Mapping[str, str]
    log_path: Path
    timeout: float
    runner: LoggedRunner
    workdir: Path  # reports are written below it, never through a link


def _exit_text(code: int) -> str:
    if code < 0:  # killed by a signal (qemu re-raises the target's signal on itself)
        try:
            return f"was killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited {code}"


def _with_output(reason: str, ctx: RunContext, start: int) -> str:
    """``reason`` and the end of what the program printed (an emulator's own message, such as
    qemu's "uncaught target signal" or "Could not open '/lib/ld-linux-aarch64.so.1'")."""
    try:
        with ctx.log_path.open("rb") as log_file:
            log_file.seek(max(start, os.fstat(log_file.fileno()).st_size - LOG_TAIL_BYTES))
            tail = output_tail(log_file.read().decode("utf-8", errors="replace"), lines=5)
    except OSError:
        tail = None
    return f"{reason}; its last output:\n{tail}" if tail else reason


def _fresh_report_folder(folder: Path, root: Path) -> None:
    """The folder gtest binaries under ctest write into, emptied of an earlier run's reports."""
    os.close(open_folder(folder, root=root, create=True))
    for stale in folder.glob("*.xml"):
        fresh_output(stale, root=root)


def _attempt(
    framework: Framework,
    argv: list[str],
    prefix: list[str],
    report: Path,
    ctx: RunContext,
    names: tuple[str, ...] = (),
    commands: Commands | None = None,
) -> tuple[GtestReport | None, str | None]:
    """The parsed report, or why there is none. A program that exits non-zero although its
    report shows no failed test (gtest's SetUpTestSuite failures look like that) is an error."""
    attempt = framework.attempt(argv, prefix, report, names)
    fresh_output(report, root=ctx.workdir)
    if framework.name == "ctest":
        _fresh_report_folder(gtest_folder(report), ctx.workdir)
    start = ctx.log_path.stat().st_size if ctx.log_path.exists() else 0
    env = {**ctx.env, **attempt.env}
    try:
        code = ctx.runner(
            attempt.argv, cwd=ctx.cwd, env=env, log_path=ctx.log_path, timeout=ctx.timeout
        )
    except (ProgramNotFound, ProgramTimedOut) as exc:
        return None, str(exc)
    if not report.is_file():
        reason = f"{_exit_text(code)} without writing a test report (crashed?)"
        return None, _with_output(reason, ctx, start)
    try:
        parsed = framework.parse(report.read_text(encoding="utf-8", errors="replace"))
    except GtestXmlError as exc:
        return None, f"{_exit_text(code)}; its test report is unreadable: {exc}"
    if commands:
        parsed = with_gtest_detail(parsed, commands, gtest_folder(report))
    if code != 0 and parsed.failed == 0:
        reason = f"{_exit_text(code)} although its report shows no failed test"
        return None, _with_output(reason, ctx, start)
    return parsed, None


def run_test_command(
    framework: Framework,
    argv: list[str],
    prefix: list[str],
    reports: Path,
    reruns: int,
    ctx: RunContext,
) -> ProgramRun:
    commands = ctest_commands(argv, ctx.env, ctx.cwd) if framework.name == "ctest" else None
    first, error = _attempt(
        framework, argv, prefix, reports.with_suffix(".xml"), ctx, commands=commands
    )
    if first is None:
        return ProgramRun(argv, None, error, framework.name)
    attempts: list[GtestReport] = []
    failing = first.rerun_names
    for number in range(1, reruns + 1):
        if not failing:
            break
        log.info("rerunning %d failed test(s) by name, attempt %d", len(failing), number)
        try:
            report, rerun_error = _attempt(
                framework,
                argv,
                prefix,
                reports.with_name(f"{reports.name}-rerun{number}.xml"),
                ctx,
                tuple(failing),
                commands,
            )
        except ValueError as exc:  # a name the framework cannot select by
            log.warning("no rerun: %s", exc)
            break
        if report is None:
            log.warning("rerun %d gave no report: %s", number, rerun_error)
            break
        attempts.append(report)
        failing = report.rerun_names
    return ProgramRun(argv, merge_attempts(first, attempts), None, framework.name)
