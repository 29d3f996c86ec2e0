"""ctest's and Catch2's JUnit reports, as CMake 3.25 and Catch2 2.13 write them."""

from __future__ import annotations

import pytest

from cipipe.readers.gtest_xml import GtestXmlError
from cipipe.readers.junit_reports import output_tail, parse_catch2_junit, parse_ctest_junit
from tests.support.gtest_samples import failed_names

# ctest --output-junit, trimmed: a pass, a fail, a missing executable, a skip property, disabled.
CTEST = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="5" failures="1" disabled="1" skipped="2" time="0">
  <testcase name="passes" classname="passes" time="0.0029613" status="run">
    <system-out>All tests passed (1 assertion in 1 test case)</system-out>
  </testcase>
  <testcase name="fails" classname="fails" time="0.00314108" status="fail">
    <failure message=""/>
    <system-out>Filters: broken
/tmp/c2.cpp:5: FAILED:
  CHECK( 1 == 2 )
qemu: uncaught target signal 11 (Segmentation fault) - core dumped
</system-out>
  </testcase>
  <testcase name="missing" classname="missing" time="0" status="notrun">
    <skipped message="Unable to find executable"/>
    <system-out>Unable to find executable: nonexistent_prog</system-out>
  </testcase>
  <testcase name="skipme" classname="skipme" time="0.00163926" status="notrun">
    <skipped message="SKIP_RETURN_CODE=77"/>
    <system-out></system-out>
  </testcase>
  <testcase name="off" classname="off" time="0" status="disabled">
    <system-out>Disabled</system-out>
  </testcase>
</testsuite>
"""

# Catch2 v2 -r junit: a leaf section is a case of its own, "Test case/section".
CATCH2 = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="c2" errors="0" failures="2" tests="4" hostname="tbd" time="0.000">
    <testcase classname="c2.global" name="adds" time="0.001" status="run"/>
    <testcase classname="c2.global" name="broken" time="0.000" status="run">
      <failure message="1 == 2" type="CHECK">
FAILED:
  CHECK( 1 == 2 )
at /tmp/tx/c2.cpp:5
      </failure>
    </testcase>
    <testcase classname="c2.global" name="sections/a" time="0.000" status="run"/>
    <testcase classname="c2.global" name="sections/b" time="0.000" status="run">
      <error message="false" type="REQUIRE"/>
    </testcase>
    <testcase classname="c2.global" name="later" time="0.000"><skipped/></testcase>
    <system-out/>
    <system-err/>
  </testsuite>
</testsuites>
"""


def test_ctest_statuses_follow_what_ctest_counts() -> None:
    report = parse_ctest_junit(CTEST)
    statuses = {c.full_name: c.status for c in report.cases}
    assert statuses == {
        "passes": "passed",
        "fails": "failed",
        "missing": "failed",  # ctest fails a test whose executable is missing
        "skipme": "skipped",
        "off": "disabled",
    }
    assert failed_names(report) == ["fails", "missing"]
    assert report.time == pytest.approx(0.0029613 + 0.00314108 + 0.00163926)


def test_a_failed_ctest_test_says_what_it_printed_last() -> None:
    cases = {c.full_name: c for c in parse_ctest_junit(CTEST).cases}
    assert cases["fails"].message is not None
    assert cases["fails"].message.endswith(
        "uncaught target signal 11 (Segmentation fault) - core dumped"
    )
    assert cases["missing"].message == "not run: Unable to find executable"
    assert cases["skipme"].message == "SKIP_RETURN_CODE=77"


def test_catch2_cases_are_named_as_a_rerun_selects_them() -> None:
    report = parse_catch2_junit(CATCH2)
    assert [(c.full_name, c.status) for c in report.cases] == [
        ("adds", "passed"),
        ("broken", "failed"),
        ("sections/a", "passed"),
        ("sections/b", "failed"),
        ("later", "skipped"),
    ]
    broken = report.cases[1]
    assert broken.suite == "c2.global" and broken.message is not None
    assert "CHECK( 1 == 2 )" in broken.message
    assert report.cases[3].message == "false"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty ctest JUnit report"),
        ("<testsuite><testcase", "malformed ctest JUnit XML"),
        ("<html/>", "root element is <html>"),
        ('<testsuite><testcase status="run"/></testsuite>', "has no name"),
        ('<testsuite><testcase name="x" status="odd"/></testsuite>', "unknown status='odd'"),
        ('<testsuite><testcase name="x" status="run" time="-1"/></testsuite>', "not a number"),
    ],
)
def test_bad_ctest_reports_are_refused(text: str, needle: str) -> None:
    with pytest.raises(GtestXmlError, match=needle):
        parse_ctest_junit(text)


def test_output_tail_keeps_the_last_lines() -> None:
    text = "\n".join(f"line {n}" for n in range(30)) + "\n\n"
    assert output_tail(text, lines=2) == "line 28\nline 29"
    assert output_tail("  \n") is None
