"""The JUnit XML that ctest (``--output-junit``, CMake >= 3.21) and Catch2's JUnit reporter write.

Both are read into the same test cases as googletest's report, so one flaky-rerun merge and one
tally serve every framework. Neither has gtest's "Suite.name": a case's ``label`` is the name a
rerun selects it by (the ctest test's name, the Catch2 test case's name).

ctest (CMake 3.25), one ``<testsuite>`` root, one case per ctest test::

  <testcase name="unit" classname="unit" time="0.003" status="run|fail|notrun|disabled">
    <failure message=""/>                          (status="fail")
    <skipped message="SKIP_RETURN_CODE=77"/>       (status="notrun")
    <system-out>what the test printed</system-out>
  </testcase>

ctest counts a "notrun" test as failed unless a skip property (SKIP_RETURN_CODE,
SKIP_REGULAR_EXPRESSION) skipped it: "Unable to find executable" and a failed fixture are
failures here too, never skips. Its ``<failure>`` carries no message, so a failed test's message
is the end of its output (where qemu's "uncaught target signal" shows up).

Catch2 (v2 ``-r junit``, v3 ``--reporter junit``): ``<testcase classname="prog.global"
name="Test case/section">`` with ``<failure>``/``<error>`` children and ``<skipped/>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cipipe.readers.gtest_xml import (
    GtestCase,
    GtestReport,
    GtestStatus,
    GtestXmlError,
    only_errors,
    seconds_attr,
)

OUTPUT_LINES_KEPT = 15
_SKIP_PROPERTIES = ("SKIP_RETURN_CODE", "SKIP_REGULAR_EXPRESSION")


def _root(text: str, what: str) -> ET.Element:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise GtestXmlError(f"empty {what} JUnit report (the run may have crashed)")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise GtestXmlError(f"malformed {what} JUnit XML ({exc})") from None


def _suites(root: ET.Element, what: str) -> list[ET.Element]:
    if root.tag == "testsuites":
        return root.findall("testsuite")
    if root.tag == "testsuite":
        return [root]
    raise GtestXmlError(f"not a {what} JUnit report: the root element is <{root.tag}>")


def _named(el: ET.Element, what: str) -> str:
    name = el.get("name")
    if not name:
        raise GtestXmlError(f"not a {what} JUnit report: a <testcase> has no name")
    return name


def output_tail(text: str | None, lines: int = OUTPUT_LINES_KEPT) -> str | None:
    kept = [line for line in (text or "").strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) or None


def parse_ctest_junit(text: str) -> GtestReport:
    """The ctest tests of one ``ctest --output-junit`` run, in the order of the report."""
    cases = [
        _ctest_case(el)
        for suite in _suites(_root(text, "ctest"), "ctest")
        for el in suite.findall("testcase")
    ]
    return GtestReport(cases=tuple(cases), time=sum(c.time for c in cases))


def _ctest_case(el: ET.Element) -> GtestCase:
    name = _named(el, "ctest")
    status_attr = el.get("status")
    skipped = el.find("skipped")
    output = output_tail(el.findtext("system-out"))
    status: GtestStatus
    message: str | None = None
    if status_attr == "disabled":
        status = "disabled"
    elif status_attr == "notrun":
        reason = skipped.get("message", "") if skipped is not None else ""
        if reason.startswith(_SKIP_PROPERTIES):
            status, message = "skipped", reason
        else:  # ctest counts these as failed: a missing executable, a failed fixture
            status, message = "failed", f"not run: {reason or output or 'no reason given'}"
    elif status_attr == "fail" or el.find("failure") is not None:
        failure = el.find("failure")
        stated = failure.get("message") if failure is not None else None
        status, message = "failed", stated or output or "failed (no output)"
    elif status_attr == "run":
        status = "passed"
    else:
        raise GtestXmlError(f"ctest test {name}: unknown status={status_attr!r}")
    return GtestCase(
        suite="ctest",
        name=name,
        status=status,
        time=seconds_attr(el.get("time"), f"ctest test {name}"),
        message=message,
        label=name,
    )


def parse_catch2_junit(text: str) -> GtestReport:
    """The test cases (one per leaf section) of a Catch2 JUnit report."""
    cases: list[GtestCase] = []
    for suite in _suites(_root(text, "Catch2"), "Catch2"):
        for el in suite.findall("testcase"):
            name = _named(el, "Catch2")
            failures = [_text(child) for child in el if child.tag in ("failure", "error")]
            status: GtestStatus = "passed"
            message: str | None = None
            if failures:
                status, message = "failed", "\n".join(failures)
            elif el.find("skipped") is not None:
                status, message = "skipped", _text(el.find("skipped"))
            cases.append(
                GtestCase(
                    suite=el.get("classname") or suite.get("name") or "catch2",
                    name=name,
                    status=status,
                    time=seconds_attr(el.get("time"), f"Catch2 test {name}"),
                    message=message,
                    label=name,
                    errored=only_errors(el),
                )
            )
    return GtestReport(cases=tuple(cases), time=sum(c.time for c in cases))


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    body = (el.text or "").strip()
    return body or el.get("message") or el.get("type") or ""
