"""Cobertura XML from gcovr 3.4 / 7.2 / 8.8 and from writers that give only rates."""

from __future__ import annotations

import re

import pytest

from cipipe.readers.cobertura import parse_cobertura
from cipipe.readers.coverage import CoverageReportError
from tests.conftest import DATA

COVERAGE = DATA / "coverage"
ROOT_COUNTS = re.compile(r' (lines|branches)-(valid|covered)="\d+"')

# Cobertura 1.9 style: rates only. Outer.java is split into two classes that both list
# line 4; Other.java has a line 3 of its own.
RATES_ONLY = """<?xml version="1.0"?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-03.dtd">
<coverage line-rate="0.5" branch-rate="0.25" version="1.9" timestamp="1187350905008">
<sources><source>/src</source></sources>
<packages><package name="demo" line-rate="0.5" branch-rate="0.25" complexity="1.5">
<classes>
<class name="demo.Outer" filename="demo/Outer.java" line-rate="0.66" branch-rate="0.5">
<methods><method name="f" signature="()V" line-rate="1.0" branch-rate="0.5"><lines>
<line number="3" hits="2" branch="false"/>
<line number="4" hits="2" branch="true" condition-coverage="50% (1/2)"/>
</lines></method></methods>
<lines>
<line number="3" hits="2" branch="false"/>
<line number="4" hits="2" branch="true" condition-coverage="50% (1/2)">
<conditions><condition number="0" type="jump" coverage="50%"/></conditions></line>
<line number="5" hits="0" branch="false"/>
</lines></class>
<class name="demo.Outer$Inner" filename="demo/Outer.java" line-rate="0.33" branch-rate="0.0">
<methods/><lines>
<line number="4" hits="0" branch="true" condition-coverage="0% (0/2)"/>
<line number="8" hits="1" branch="false"/>
<line number="9" hits="0" branch="true" condition-coverage="0% (0/2)"/>
</lines></class>
<class name="demo.Other" filename="demo/Other.java" line-rate="0.0" branch-rate="1.0">
<methods/><lines><line number="3" hits="0" branch="false"/></lines></class>
</classes></package></packages></coverage>
"""


def counts(text: str) -> tuple[int, int, int, int]:
    s = parse_cobertura(text)
    assert s.format == "cobertura"
    return s.lines_covered, s.lines_valid, s.branches_covered, s.branches_valid


@pytest.mark.parametrize("name", ["gcovr.xml", "gcovr7.xml", "gcovr3.xml"])
def test_gcovr_reports(name: str) -> None:
    assert counts((COVERAGE / name).read_text()) == (11, 19, 6, 12)


@pytest.mark.parametrize("name", ["gcovr.xml", "gcovr7.xml", "gcovr3.xml"])
def test_counting_lines_gives_the_root_totals(name: str) -> None:
    # gcovr 8 lists every line under <method> and under <class>: counted once.
    text = (COVERAGE / name).read_text()
    stripped, removed = ROOT_COUNTS.subn("", text)
    assert removed == 4
    assert counts(stripped) == (11, 19, 6, 12)


def test_root_totals_are_preferred_to_the_lines() -> None:
    text = (COVERAGE / "gcovr7.xml").read_text().replace('lines-covered="11"', 'lines-covered="12"')
    assert counts(text) == (12, 19, 6, 12)


def test_only_the_missing_pair_is_counted() -> None:
    text = re.sub(r' branches-(valid|covered)="\d+"', "", (COVERAGE / "gcovr.xml").read_text())
    text = text.replace('lines-valid="19"', 'lines-valid="40"')
    assert counts(text) == (11, 40, 6, 12)


def test_rates_only_report_counts_each_file_line_once() -> None:
    assert counts(RATES_ONLY) == (3, 6, 1, 4)


def test_empty_report() -> None:
    s = parse_cobertura((COVERAGE / "gcovr-empty.xml").read_text())
    assert (s.lines_valid, s.branches_valid) == (0, 0)
    assert s.line_percent is None and s.branch_percent is None
    bare = parse_cobertura('<coverage line-rate="0" branch-rate="0"><packages/></coverage>')
    assert bare.line_percent is None and bare.branch_percent is None


def test_branch_line_without_a_fraction_counts_no_branches() -> None:
    text = (
        '<coverage><packages><package><classes><class filename="a.c"><lines>'
        '<line number="1" hits="1" branch="true" condition-coverage="50%"/>'
        "</lines></class></classes></package></packages></coverage>"
    )
    assert counts(text) == (1, 1, 0, 0)


def line_report(line: str) -> str:
    return (
        '<coverage><packages><package><classes><class filename="a.c"><lines>'
        f"{line}</lines></class></classes></package></packages></coverage>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        (COVERAGE / "gcovr.xml").read_text()[:-40],
        (COVERAGE / "gcovr3.xml").read_text()[:900],
        "<html><body><h1>GCC Code Coverage Report</h1></body></html>",
        "not xml at all",
        '<coverage lines-valid="19" lines-covered="-1"/>',
        '<coverage lines-valid="-19" lines-covered="0"/>',
        '<coverage lines-valid="19" lines-covered="20"/>',
        '<coverage branches-valid="2" branches-covered="1.5"/>',
        line_report('<line number="1" hits="-1"/>'),
        line_report('<line number="-1" hits="1"/>'),
        line_report('<line hits="1"/>'),
        line_report('<line number="1" hits="1" branch="true" condition-coverage="0% (3/2)"/>'),
        line_report('<line number="1" hits="1" branch="true" condition-coverage="(-1/2)"/>'),
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        '<coverage lines-valid="1" lines-covered="0" version="&b;"/>',
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(CoverageReportError):
        parse_cobertura(text)
