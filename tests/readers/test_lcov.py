"""lcov tracefiles from lcov 1.16 and gcovr 8.8, and merging of repeated records."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.cobertura import parse_cobertura
from cipipe.readers.coverage import CoverageReportError
from cipipe.readers.lcov import parse_lcov
from tests.conftest import DATA

COVERAGE = DATA / "coverage"


def counts(text: str) -> tuple[int, int, int, int]:
    s = parse_lcov(text)
    assert s.format == "lcov"
    return s.lines_covered, s.lines_valid, s.branches_covered, s.branches_valid


def summary_lines(text: str) -> tuple[int, int, int, int]:
    """What lcov itself wrote as totals (LH, LF, BRH, BRF summed over records)."""
    totals: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in {"LH", "LF", "BRH", "BRF"}:
            totals[key] += int(value)
    return totals["LH"], totals["LF"], totals["BRH"], totals["BRF"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lcov.info", (11, 19, 6, 12)),
        ("lcov-run2.info", (18, 19, 9, 12)),
        ("lcov-merged.info", (19, 19, 11, 12)),
        ("gcovr.info", (11, 19, 6, 12)),
    ],
)
def test_fixtures(name: str, expected: tuple[int, int, int, int]) -> None:
    assert counts((COVERAGE / name).read_text()) == expected


def test_gcovr_lcov_and_cobertura_of_one_run_agree() -> None:
    info = parse_lcov((COVERAGE / "gcovr.info").read_text())
    xml = parse_cobertura((COVERAGE / "gcovr.xml").read_text())
    assert (info.lines_valid, info.lines_covered) == (xml.lines_valid, xml.lines_covered)
    assert (info.branches_valid, info.branches_covered) == (
        xml.branches_valid,
        xml.branches_covered,
    )
    # And gcovr's own LF/LH/BRF/BRH say the same as counting DA/BRDA.
    assert summary_lines((COVERAGE / "gcovr.info").read_text()) == counts(
        (COVERAGE / "gcovr.info").read_text()
    )


def test_lcov_and_gcovr_tracefiles_of_one_run_agree() -> None:
    assert counts((COVERAGE / "lcov.info").read_text()) == counts(
        (COVERAGE / "gcovr.info").read_text()
    )


def test_repeated_records_merge_like_lcov_add_tracefile() -> None:
    run1 = (COVERAGE / "lcov.info").read_text()
    run2 = (COVERAGE / "lcov-run2.info").read_text()
    merged = (COVERAGE / "lcov-merged.info").read_text()
    assert summary_lines(merged) == (19, 19, 11, 12)
    assert counts(run1 + "\n" + run2) == summary_lines(merged)
    assert counts(run2 + run1) == summary_lines(merged)
    assert counts(run1 + run1) == counts(run1)


def test_merge_per_line_and_per_branch() -> None:
    text = """TN:unit
SF:src/a.cpp
DA:1,1
DA:2,0
BRDA:2,0,0,-
BRDA:2,0,1,0
LF:2
LH:1
end_of_record
TN:integration
SF:src/a.cpp
DA:2,3
DA:3,0
BRDA:2,0,1,2
LF:2
LH:1
end_of_record
SF:src/b.cpp
DA:2,0
end_of_record
"""
    assert counts(text) == (2, 4, 1, 2)


def test_da_and_brda_are_preferred_to_lf_lh() -> None:
    text = "SF:a.c\nDA:1,1\nDA:2,0\nBRDA:1,0,0,1\nLF:50\nLH:50\nBRF:9\nBRH:9\nend_of_record\n"
    assert counts(text) == (1, 2, 1, 1)


def test_totals_only_records_are_used() -> None:
    text = "SF:a.c\nLF:10\nLH:4\nBRF:6\nBRH:3\nend_of_record\nSF:b.c\nDA:1,1\nend_of_record\n"
    assert counts(text) == (5, 11, 3, 6)


def test_dash_means_not_taken_and_later_fields_are_ignored() -> None:
    text = "SF:a.c\nDA:1,1,abcdef\nBRDA:1,e0,0,-\nBRDA:1,e0,1,1\nFNL:0,1,1\nend_of_record\n"
    assert counts(text) == (1, 1, 1, 2)


def test_empty_tracefile_is_unknown() -> None:
    s = parse_lcov((COVERAGE / "gcovr-empty.info").read_text())
    assert s.line_percent is None and s.branch_percent is None
    assert parse_lcov("TN:\n").lines_valid == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n  \n",
        (COVERAGE / "lcov.info").read_text()[:200],
        "<html><body>lcov report</body></html>",
        "Segmentation fault (core dumped)\n",
        "Note: no data\n",
        "DA:1,1\n",
        "end_of_record\n",
        "SF:a.c\nSF:b.c\nend_of_record\n",
        "SF:\nend_of_record\n",
        "SF:a.c\nDA:1\nend_of_record\n",
        "SF:a.c\nDA:x,1\nend_of_record\n",
        "SF:a.c\nDA:1,-1\nend_of_record\n",
        "SF:a.c\nDA:-1,1\nend_of_record\n",
        "SF:a.c\nDA:1,1_000\nend_of_record\n",
        "SF:a.c\nBRDA:1,0,0\nend_of_record\n",
        "SF:a.c\nBRDA:1,0,0,-2\nend_of_record\n",
        "SF:a.c\nLF:-2\nend_of_record\n",
        "SF:a.c\nLF:2\nLH:3\nend_of_record\n",
        "SF:a.c\nBRF:1\nBRH:2\nend_of_record\n",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(CoverageReportError):
        parse_lcov(text)


LineHits = dict[int, int]
Branches = dict[tuple[int, int, int], int | None]  # None is rendered as "-"
record = st.tuples(
    st.sampled_from(["src/a.cpp", "src/b.cpp", "include/c.hpp"]),
    st.dictionaries(st.integers(1, 60), st.integers(0, 3), max_size=12),
    st.dictionaries(
        st.tuples(st.integers(1, 60), st.integers(0, 2), st.integers(0, 3)),
        st.none() | st.integers(0, 2),
        max_size=10,
    ),
    st.booleans(),
)


def render(name: str, lines: LineHits, branches: Branches, totals: bool) -> str:
    out = ["TN:", f"SF:{name}"]
    out += [f"DA:{line},{hits}" for line, hits in lines.items()]
    out += [
        f"BRDA:{line},{block},{branch},{'-' if taken is None else taken}"
        for (line, block, branch), taken in branches.items()
    ]
    if totals:
        out += [f"LF:{len(lines)}", f"LH:{sum(1 for h in lines.values() if h)}"]
        out += [f"BRF:{len(branches)}", f"BRH:{sum(1 for t in branches.values() if t)}"]
    return "\n".join([*out, "end_of_record", ""])


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=6))
def test_round_trip(records: list[tuple[str, LineHits, Branches, bool]]) -> None:
    covered_lines: dict[tuple[str, int], bool] = {}
    covered_branches: dict[tuple[str, tuple[int, int, int]], bool] = {}
    for name, lines, branches, _ in records:
        for line, hits in lines.items():
            covered_lines[name, line] = covered_lines.get((name, line), False) or hits > 0
        for key, taken in branches.items():
            covered_branches[name, key] = covered_branches.get((name, key), False) or bool(taken)
    # A file with neither DA nor BRDA in any record falls back to its LF/BRF totals (0 here).
    text = "".join(render(*r) for r in records)
    assert counts(text) == (
        sum(covered_lines.values()),
        len(covered_lines),
        sum(covered_branches.values()),
        len(covered_branches),
    )
