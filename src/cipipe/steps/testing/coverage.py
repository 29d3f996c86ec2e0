"""Coverage (seed 5.3): an instrumented build's report, and its delta against a baseline.

A missing baseline gives an unknown delta, never zero: "no change" and "not measured" must not
look alike on a dashboard.
"""

from __future__ import annotations

import os
from pathlib import Path

from cipipe.contracts.loading import read_bytes
from cipipe.contracts.testing import CoverageResult
from cipipe.errors import InputError
from cipipe.readers.coverage import (
    CoverageReportError,
    CoverageSummary,
    coverage_delta,
    detect_and_parse,
)


def read_report(path: Path) -> CoverageSummary:
    if not os.path.lexists(path):
        raise InputError("coverage report not found", file=str(path))
    try:
        return detect_and_parse(read_bytes(path).decode("utf-8", errors="replace"))
    except CoverageReportError as exc:
        raise exc.located(str(path), prefix="unreadable coverage report: ") from None


def load_baseline(path: Path) -> dict[str, CoverageSummary | CoverageResult]:
    """Baseline per platform: a previous tests.json, or one coverage report ("*": any)."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    if text is None:
        raise InputError("file not found", file=str(path), field="--baseline")
    if text.lstrip().startswith("{"):
        from cipipe.contracts.loading import read_contract
        from cipipe.contracts.testing import TestsReport

        report = read_contract(TestsReport, path)
        return {p.platform: p.coverage for p in report.platforms if p.coverage}
    return {"*": read_report(path)}


def _as_summary(value: CoverageSummary | CoverageResult) -> CoverageSummary:
    if isinstance(value, CoverageSummary):
        return value
    return CoverageSummary(
        format=value.format,
        lines_valid=value.lines_valid,
        lines_covered=value.lines_covered,
        branches_valid=value.branches_valid,
        branches_covered=value.branches_covered,
    )


def coverage_result(
    summary: CoverageSummary,
    report: str,
    baseline: CoverageSummary | CoverageResult | None,
    baseline_name: str | None,
) -> CoverageResult:
    delta = coverage_delta(summary, _as_summary(baseline) if baseline is not None else None)
    return CoverageResult(
        format=summary.format,
        line_percent=_round(summary.line_percent),
        branch_percent=_round(summary.branch_percent),
        lines_covered=summary.lines_covered,
        lines_valid=summary.lines_valid,
        branches_covered=summary.branches_covered,
        branches_valid=summary.branches_valid,
        report=report,
        baseline=baseline_name if baseline is not None else None,
        line_delta=_round(delta.line) if delta else None,
        branch_delta=_round(delta.branch) if delta else None,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


COVERAGE_BUILD_TYPE = "Coverage"
_CMAKE_NOT_CONFIGURE = {"--build", "--install", "-E", "-P", "--open"}


def _is_cmake_configure(argv: list[str]) -> bool:
    return bool(argv) and Path(argv[0]).name == "cmake" and not _CMAKE_NOT_CONFIGURE & set(argv)


def _without_build_type(argv: list[str]) -> list[str]:
    kept: list[str] = []
    skip_next = False
    for index, arg in enumerate(argv):
        if skip_next:
            skip_next = False
        elif arg.startswith(("-DCMAKE_BUILD_TYPE=", "-DCMAKE_BUILD_TYPE:")):
            continue
        elif arg == "-D" and argv[index + 1 : index + 2] and "CMAKE_BUILD_TYPE" in argv[index + 1]:
            skip_next = True
        else:
            kept.append(arg)
    return kept


def coverage_build_commands(
    build: list[list[str]], compile_flags: list[str], linker_flags: list[str]
) -> list[list[str]]:
    """The build commands with every CMake configure given a build type of its own.

    The build type's flags come after CMAKE_CXX_FLAGS, so a Release configure would turn
    ``--coverage -O0`` into ``--coverage -O0 -O3 -DNDEBUG``: the coverage tree measured code
    that was not the code under test. ``Coverage`` has exactly the coverage flags. Commands that
    are not a CMake configure get the flags through CFLAGS/CXXFLAGS/LDFLAGS, as before.
    """
    compile_ = " ".join(compile_flags)
    link = " ".join(linker_flags)
    settings = [
        f"-DCMAKE_BUILD_TYPE={COVERAGE_BUILD_TYPE}",
        f"-DCMAKE_C_FLAGS_COVERAGE={compile_}",
        f"-DCMAKE_CXX_FLAGS_COVERAGE={compile_}",
        *(f"-DCMAKE_{kind}_LINKER_FLAGS_COVERAGE={link}" for kind in ("EXE", "SHARED", "MODULE")),
    ]
    return [
        [*_without_build_type(argv), *settings] if _is_cmake_configure(argv) else argv
        for argv in build
    ]
