from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from cipipe.readers.gtest_xml import GtestReport, GtestXmlError, parse_gtest_xml
from tests.conftest import DATA
from tests.support.gtest_samples import GTEST, failed_names, parse


def counts(report: GtestReport) -> tuple[int, int, int, int, int]:
    return report.total, report.passed, report.failed, report.skipped, report.disabled


def test_all_pass() -> None:
    report = parse("all_pass.xml")
    assert counts(report) == (6, 6, 0, 0, 0)
    assert [c.full_name for c in report.cases] == [
        "Math.Adds",
        "Math.Multiplies",
        "Math.Divides",
        "Strings.Concatenates",
        "Strings.Compares",
        "Timing.Sleeps",
    ]
    assert failed_names(report) == []
    assert all(c.message is None and c.value_param is None for c in report.cases)
    sleeps = report.cases[-1]
    assert sleeps.time >= 0.025
    assert report.time >= sleeps.time


def test_failures_of_every_kind() -> None:
    report = parse("failures.xml")
    assert counts(report) == (6, 2, 4, 0, 0)
    assert failed_names(report) == [
        "Parser.TwoExpectations",
        "Parser.FatalAssertion",
        "Parser.Throws",
        "Escaping.SpecialCharacters",
    ]
    by_name = {c.full_name: c for c in report.cases}
    two = by_name["Parser.TwoExpectations"].message
    # Two <failure> elements, joined; each starts with its location.
    assert two is not None
    assert two.startswith("failures.cpp:12\nExpected equality")
    assert "\nfailures.cpp:13\n" in two
    assert two.endswith("second")
    assert by_name["Parser.FatalAssertion"].message == (
        "failures.cpp:17\nValue of: false\n  Actual: false\nExpected: true\nstops here"
    )
    assert 'C++ exception with description "boom"' in (by_name["Parser.Throws"].message or "")
    special = by_name["Escaping.SpecialCharacters"].message or ""
    assert special.endswith('special: <&">')
    assert by_name["Parser.Accepts"].status == "passed"


def test_disabled_tests_are_never_passed() -> None:
    report = parse("disabled.xml")
    assert counts(report) == (5, 2, 0, 0, 3)
    disabled = [c.full_name for c in report.cases if c.status == "disabled"]
    assert disabled == [
        "Cache.DISABLED_Evicts",
        "DISABLED_Network.Connects",
        "DISABLED_Network.Reconnects",
    ]
    assert all(c.message is None for c in report.cases)


def test_gtest_skip() -> None:
    report = parse("skipped.xml")
    assert counts(report) == (4, 1, 0, 3, 0)
    skipped = {c.full_name: c.message for c in report.cases if c.status == "skipped"}
    assert skipped == {
        "Gpu.Renders": "skipped.cpp:4\nno GPU on this machine",
        "Gpu.Silent": "skipped.cpp:5\n",
        "Database.Queries": "skipped.cpp:10\nDATABASE_URL is not set",
    }


def test_value_and_type_parameterised() -> None:
    report = parse("parameterised.xml")
    assert counts(report) == (8, 7, 1, 0, 0)
    assert [c.full_name for c in report.cases] == [
        "Codec/0.RoundTrips",
        "Codec/1.RoundTrips",
        "Crc/CrcTest.Matches/0",
        "Crc/CrcTest.Matches/1",
        "Crc/CrcTest.Matches/2",
        "Crc/CrcTest.Odd/0",
        "Crc/CrcTest.Odd/1",
        "Crc/CrcTest.Odd/2",
    ]
    assert failed_names(report) == ["Crc/CrcTest.Odd/1"]
    odd1 = report.cases[6]
    assert (odd1.suite, odd1.name, odd1.value_param, odd1.type_param) == (
        "Crc/CrcTest",
        "Odd/1",
        "2",
        None,
    )
    assert [c.type_param for c in report.cases[:2]] == [
        "int",
        "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
    ]


def test_flaky_first_run_and_rerun() -> None:
    first, rerun = parse("flaky-first.xml"), parse("flaky-rerun.xml")
    assert counts(first) == (4, 2, 2, 0, 0)
    assert failed_names(first) == ["Queue.Races", "Queue.Broken"]
    # The rerun ran only the tests its --gtest_filter named.
    assert counts(rerun) == (2, 1, 1, 0, 0)
    assert [c.full_name for c in rerun.cases] == ["Queue.Races", "Queue.Broken"]
    assert failed_names(rerun) == ["Queue.Broken"]


def test_failure_outside_any_test_is_counted() -> None:
    report = parse("environment_failure.xml")
    # gtest's root says failures="0"; the extra suite says otherwise.
    assert counts(report) == (2, 1, 1, 0, 0)
    outside = report.cases[-1]
    assert (outside.suite, outside.name, outside.status) == ("NonTestSuiteFailure", "", "failed")
    assert "cannot reach the license server" in (outside.message or "")


def test_suite_setup_failure_is_invisible_in_the_xml() -> None:
    # Recorded gtest 1.12 behaviour: only the exit code (1) tells that SetUpTestSuite failed.
    report = parse("suite_setup_failure.xml")
    assert counts(report) == (2, 1, 0, 1, 0)


@pytest.mark.parametrize("path", sorted(GTEST.glob("*.xml")), ids=lambda p: p.name)
def test_counts_agree_with_gtests_own_suite_attributes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    report = parse_gtest_xml(text)
    assert report.passed + report.failed + report.skipped + report.disabled == report.total
    per_suite: Counter[tuple[str, str]] = Counter((c.suite, c.status) for c in report.cases)
    for suite in ET.fromstring(text).iter("testsuite"):
        name = suite.get("name", "")
        assert int(suite.get("tests", "")) == sum(n for (s, _), n in per_suite.items() if s == name)
        for attr, status in (
            ("failures", "failed"),
            ("disabled", "disabled"),
            ("skipped", "skipped"),
        ):
            assert int(suite.get(attr, "")) == per_suite[name, status], (name, attr)


def test_older_and_junit_style_variants() -> None:
    # gtest before 1.10: no result attribute; JUnit writers: <error>, bare <skipped/>, message
    # in the body only, one <testsuite> as the root.
    text = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Old" tests="5" failures="1" errors="1" time="1.5">
  <testcase name="Runs" status="run" time="0.5" classname="Old"/>
  <testcase name="DISABLED_Off" status="notrun" time="0" classname="Old"/>
  <testcase name="Breaks" status="run" time="0.25" classname="Old">
    <failure>old.cpp:3
Value of: x</failure>
  </testcase>
  <testcase name="Errs" time="0.125" classname="Old"><error message="segfault"/></testcase>
  <testcase name="Skips" time="0" classname="Old"><skipped/></testcase>
</testsuite>"""
    report = parse_gtest_xml(text)
    assert [(c.name, c.status, c.message) for c in report.cases] == [
        ("Runs", "passed", None),
        ("DISABLED_Off", "disabled", None),
        ("Breaks", "failed", "old.cpp:3\nValue of: x"),
        ("Errs", "failed", "segfault"),
        ("Skips", "skipped", ""),
    ]
    assert report.time == 1.5
    assert failed_names(report) == ["Old.Breaks", "Old.Errs"]


def test_gtest_1_10_skip_without_element_and_missing_total_time() -> None:
    text = """<testsuites tests="2" name="AllTests">
<testsuite name="S"><testcase name="a" status="run" result="skipped" time="0.5" classname="S"/>
<testcase name="b" status="run" result="completed" time="0.25" classname="S"/></testsuite>
</testsuites>"""
    report = parse_gtest_xml(text)
    assert [(c.status, c.message) for c in report.cases] == [("skipped", None), ("passed", None)]
    assert report.time == 0.75


def test_failed_then_skipped_counts_as_failed() -> None:
    text = """<testsuites><testsuite name="S">
<testcase name="a" status="run" result="completed" time="0" classname="S">
<failure message="f" type=""/><skipped message="s"/></testcase></testsuite></testsuites>"""
    assert failed_names(parse_gtest_xml(text)) == ["S.a"]


def test_no_tests_at_all() -> None:
    report = parse_gtest_xml(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="0" failures="0" '
        'disabled="0" errors="0" time="0" name="AllTests">\n</testsuites>\n'
    )
    assert counts(report) == (0, 0, 0, 0, 0)


def test_byte_order_mark_is_ignored() -> None:
    text = "\ufeff" + (GTEST / "all_pass.xml").read_text(encoding="utf-8")
    assert parse_gtest_xml(text).total == 6


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("  \n", "empty"),
        ((GTEST / "failures.xml").read_text(encoding="utf-8")[:900], "malformed.*truncated"),
        ("<!DOCTYPE html><html><body><p>502 Bad Gateway<br></body></html>", "malformed"),
        ("<html><body><p>Not found</p></body></html>", "root element is <html>"),
        ((DATA / "cppcheck-2.10-report.xml").read_text(encoding="utf-8"), "<results>"),
        ("[==========] Running 3 tests from 1 test suite.", "malformed"),
        ('<testsuites><testsuite tests="1"/></testsuites>', "<testsuite> has no name"),
        (
            '<testsuites><testsuite name="S"><testcase time="0"/></testsuite></testsuites>',
            "no name",
        ),
        (
            '<testsuites><testsuite name="S"><testcase name="a" time="1s"/></testsuite>'
            "</testsuites>",
            "S.a: time='1s'",
        ),
        (
            '<testsuites><testsuite name="S"><testcase name="a" time="nan"/></testsuite>'
            "</testsuites>",
            "not a number",
        ),
        (
            '<testsuites><testsuite name="S"><testcase name="a" time="-1"/></testsuite>'
            "</testsuites>",
            "not a number",
        ),
        (
            '<testsuites tests="1" name="AllTests"><testsuite name="S" tests="1">'
            '<testcase name="a" file="a.cpp" line="3" /></testsuite></testsuites>',
            "--gtest_list_tests",
        ),
    ],
)
def test_not_a_report(text: str, match: str) -> None:
    with pytest.raises(GtestXmlError, match=match):
        parse_gtest_xml(text)
