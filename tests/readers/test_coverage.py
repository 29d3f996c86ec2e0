"""The shared summary, format sniffing and the delta the test step records."""

from __future__ import annotations

import pytest

from cipipe.readers.coverage import (
    CoverageDelta,
    CoverageReportError,
    CoverageSummary,
    coverage_delta,
    detect_and_parse,
)
from tests.conftest import DATA

COVERAGE = DATA / "coverage"


def summary(lines: tuple[int, int], branches: tuple[int, int]) -> CoverageSummary:
    """A summary from (covered, valid) pairs."""
    return CoverageSummary(
        format="lcov",
        lines_valid=lines[1],
        lines_covered=lines[0],
        branches_valid=branches[1],
        branches_covered=branches[0],
    )


def test_percentages_are_not_rounded() -> None:
    s = summary((11, 19), (6, 12))
    assert s.line_percent == 100.0 * 11 / 19
    assert s.branch_percent == 50.0


def test_nothing_measured_is_unknown_not_zero() -> None:
    s = summary((0, 0), (0, 0))
    assert s.line_percent is None
    assert s.branch_percent is None
    assert summary((0, 5), (0, 0)).line_percent == 0.0


@pytest.mark.parametrize(
    ("lines", "branches"),
    [((-1, 3), (0, 0)), ((0, -3), (0, 0)), ((4, 3), (0, 0)), ((0, 0), (2, 1))],
)
def test_impossible_counts_are_rejected(lines: tuple[int, int], branches: tuple[int, int]) -> None:
    with pytest.raises(CoverageReportError):
        summary(lines, branches)


@pytest.mark.parametrize(
    ("name", "fmt", "lines", "branches"),
    [
        ("gcovr.xml", "cobertura", (11, 19), (6, 12)),
        ("gcovr7.xml", "cobertura", (11, 19), (6, 12)),
        ("gcovr3.xml", "cobertura", (11, 19), (6, 12)),
        ("gcovr-empty.xml", "cobertura", (0, 0), (0, 0)),
        ("gcovr.info", "lcov", (11, 19), (6, 12)),
        ("gcovr-empty.info", "lcov", (0, 0), (0, 0)),
        ("lcov.info", "lcov", (11, 19), (6, 12)),
        ("lcov-run2.info", "lcov", (18, 19), (9, 12)),
        ("lcov-merged.info", "lcov", (19, 19), (11, 12)),
    ],
)
def test_detect_and_parse_fixtures(
    name: str, fmt: str, lines: tuple[int, int], branches: tuple[int, int]
) -> None:
    s = detect_and_parse((COVERAGE / name).read_text())
    assert s.format == fmt
    assert (s.lines_covered, s.lines_valid) == lines
    assert (s.branches_covered, s.branches_valid) == branches


def test_detect_tolerates_bom_and_leading_blank_lines() -> None:
    text = "\ufeff\n\n" + (COVERAGE / "lcov.info").read_text()
    assert detect_and_parse(text).lines_covered == 11
    text = "\ufeff\n" + (COVERAGE / "gcovr7.xml").read_text()
    assert detect_and_parse(text).format == "cobertura"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        (COVERAGE / "gcovr.xml").read_text()[:1500],
        "<!DOCTYPE html><html><head><title>GCC Code Coverage Report</title></head></html>",
        '<?xml version="1.0"?><results version="2"><errors/></results>',
        "Segmentation fault (core dumped)\n",
        "gcovr: error: unrecognized arguments: --lcov\n",
        "SF:a.cpp\nDA:1,-4\nend_of_record\n",
        '<coverage lines-valid="-3" lines-covered="0"/>',
    ],
    ids=[
        "empty",
        "blank",
        "truncated-xml",
        "html",
        "other-xml",
        "crash",
        "usage",
        "neg-lcov",
        "neg-cobertura",
    ],
)
def test_not_a_coverage_report(text: str) -> None:
    with pytest.raises(CoverageReportError):
        detect_and_parse(text)


def test_error_is_a_value_error() -> None:
    assert issubclass(CoverageReportError, ValueError)


def test_no_baseline_no_delta() -> None:
    assert coverage_delta(summary((11, 19), (6, 12)), None) is None


def test_delta_in_percentage_points() -> None:
    run1 = detect_and_parse((COVERAGE / "lcov.info").read_text())
    run2 = detect_and_parse((COVERAGE / "lcov-run2.info").read_text())
    delta = coverage_delta(run2, run1)
    assert delta is not None
    assert delta.line == pytest.approx(100.0 * 7 / 19)
    assert delta.branch == pytest.approx(25.0)
    back = coverage_delta(run1, run2)
    assert back is not None and back.line == pytest.approx(-100.0 * 7 / 19)


def test_delta_across_formats_of_the_same_run_is_zero() -> None:
    xml = detect_and_parse((COVERAGE / "gcovr.xml").read_text())
    info = detect_and_parse((COVERAGE / "lcov.info").read_text())
    assert coverage_delta(xml, info) == CoverageDelta(line=0.0, branch=0.0)


def test_delta_is_unknown_where_either_side_is() -> None:
    empty = summary((0, 0), (0, 0))
    lines_only = summary((3, 4), (0, 0))
    assert coverage_delta(lines_only, empty) == CoverageDelta(line=None, branch=None)
    assert coverage_delta(empty, lines_only) == CoverageDelta(line=None, branch=None)
    assert coverage_delta(lines_only, summary((1, 4), (1, 2))) == CoverageDelta(
        line=50.0, branch=None
    )
