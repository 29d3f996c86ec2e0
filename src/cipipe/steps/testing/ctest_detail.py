"""The gtest detail of a ctest run: a googletest binary that ctest runs as one test.

Registered with ``add_test(NAME all COMMAND unit)`` (yaml-cpp does this), a googletest program
of 900 tests is one ctest test: ctest's JUnit would count 1. Each gtest binary under ctest writes
its own XML into the run's folder (``GTEST_OUTPUT=xml:<dir>/``, named after the binary, a
``_1``, ``_2`` suffix for later runs), and ``ctest --show-only=json-v1`` names each test's
command, so such a test is replaced by the gtest cases of its binary's XML. Only when it is
unambiguous: one ctest test runs that binary, without ``--gtest_filter`` (tests registered by
``gtest_discover_tests`` are counted one by one already), and the XML agrees with ctest on
whether it failed (a crash after the last test, or a failed SetUpTestSuite, leaves ctest's
failure standing).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.readers.gtest_xml import GtestCase, GtestReport, GtestXmlError, parse_gtest_xml

log = logging.getLogger("cipipe.test")

Commands = Mapping[str, list[str]]  # ctest test name -> its command


def read_commands(show_only_json: str) -> Commands:
    """ctest test name -> command, from ``ctest --show-only=json-v1``; empty when unreadable."""
    try:
        data = json.loads(show_only_json)
        tests = data["tests"]
        return {t["name"]: [str(a) for a in t.get("command") or []] for t in tests}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _program_name(arg: str) -> str:
    path = Path(arg)
    return path.stem if path.suffix.lower() == ".exe" else path.name  # gtest drops ".exe"


def _reports_of(program: str, reports: Sequence[Path]) -> list[Path]:
    own = re.compile(re.escape(program) + r"(_\d+)?")
    return [p for p in reports if own.fullmatch(p.stem)]


def _binary(command: Sequence[str], reports: Sequence[Path]) -> str | None:
    # The binary may follow an emulator (qemu-aarch64 -L sysroot unit): the first argument
    # that names a program with reports.
    return next((p for a in command if _reports_of(p := _program_name(a), reports)), None)


def _binaries(commands: Commands, reports: Sequence[Path]) -> dict[str, list[Path]]:
    """ctest test -> the gtest reports its binary wrote, for the tests that qualify."""
    programs = {n: p for n, c in commands.items() if (p := _binary(c, reports)) is not None}
    users = Counter(programs.values())
    return {
        name: _reports_of(program, reports)
        for name, program in programs.items()
        if users[program] == 1 and not any(a.startswith("--gtest_filter") for a in commands[name])
    }


def ctest_commands(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> Commands:
    """Each test's command, as this ctest command line would run it."""
    try:
        result = run_program([*argv, "--show-only=json-v1"], cwd=cwd, env=env, timeout=60)
    except (ProgramNotFound, ProgramTimedOut):
        return {}
    return read_commands(result.stdout) if result.returncode == 0 else {}


def _gtest_cases(paths: Sequence[Path], ctest_name: str) -> list[GtestCase] | None:
    cases: dict[str, GtestCase] = {}
    for path in sorted(paths):
        try:
            parsed = parse_gtest_xml(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, GtestXmlError) as exc:
            log.warning(
                "ctest test %s: its gtest report %s is unreadable: %s", ctest_name, path, exc
            )
            return None
        for case in parsed.cases:
            cases.setdefault(case.full_name, replace(case, rerun_as=ctest_name))
    return list(cases.values()) or None


def with_gtest_detail(report: GtestReport, commands: Commands, folder: Path) -> GtestReport:
    """``report`` with each qualifying ctest test replaced by its binary's gtest cases."""
    reports = sorted(folder.glob("*.xml")) if folder.is_dir() else []
    binaries = _binaries(commands, reports) if reports else {}
    if not binaries:
        return report
    cases: list[GtestCase] = []
    for case in report.cases:
        paths = binaries.get(case.full_name)
        detail = _gtest_cases(paths, case.full_name) if paths else None
        agrees = detail is not None and (case.status == "failed") == any(
            c.status == "failed" for c in detail
        )
        if detail is not None and agrees:
            cases.extend(detail)
        else:
            cases.append(case)
    return GtestReport(cases=tuple(cases), time=report.time)
