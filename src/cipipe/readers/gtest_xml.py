"""googletest's XML report (``--gtest_output=xml:FILE``), as googletest 1.12 writes it.

gtest's XML only looks like JUnit, so it gets its own reader: a disabled test is a
``<testcase status="notrun" result="suppressed"/>`` with no ``<skipped>`` child (a JUnit reader
counts it as passed), and a failure outside any test (in a global Environment) comes as an
extra suite "NonTestSuiteFailure" with a nameless test case that the root's ``failures``
attribute does not count. Counts here therefore come from the test cases, never from the
summary attributes.

<testsuites tests="4" failures="1" disabled="1" errors="0" time="0.01" name="AllTests">
  <testsuite name="Crc/CrcTest" tests="4" failures="1" disabled="1" skipped="1" ...>
    <testcase name="Matches/0" value_param="1" status="run" result="completed" time="0" ...>
      <failure message="crc.cpp:12&#x0A;Expected equality..." type=""><![CDATA[...]]></failure>
    </testcase>
    <testcase name="Odd/1" value_param="2" status="run" result="skipped" ...>
      <skipped message="crc.cpp:20&#x0A;no GPU"><![CDATA[...]]></skipped>
    </testcase>
    <testcase name="DISABLED_Slow/0" status="notrun" result="suppressed" .../>
  </testsuite>
</testsuites>

Older googletest wrote no ``result`` attribute and no ``<skipped>``; JUnit-style ``<error>``
and bare ``<skipped/>`` are accepted too. What the XML cannot show: a failure in
SetUpTestSuite leaves the suite's tests "skipped" and every failures="0" (only the exit code
says it failed), and a crash leaves no report at all; the caller has to look at the exit code.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from cipipe.errors import ReaderError

GtestStatus = Literal["passed", "failed", "skipped", "disabled"]


class GtestXmlError(ReaderError):
    pass


@dataclass(frozen=True)
class GtestCase:
    suite: str  # the testsuite name, e.g. "Crc/CrcTest" for a parameterised suite
    name: str  # the testcase name, e.g. "Matches/0"
    status: GtestStatus
    time: float  # seconds
    message: str | None  # failure messages joined with "\n", or the skip message
    value_param: str | None = None
    type_param: str | None = None
    # ctest and Catch2 name a test without a suite: that name, as a rerun selects it.
    label: str | None = None
    # A gtest case read from the XML of a binary that ctest ran as one test: that ctest test,
    # which a rerun selects (ctest cannot select a gtest case inside it).
    rerun_as: str | None = None
    # Failed with an <error> (an unexpected exception, a crash the framework caught) and no
    # assertion <failure>: JUnit calls that an error, and so do the rerun elements.
    errored: bool = False

    @property
    def full_name(self) -> str:
        """The name as a rerun selects the test: "Suite.name" for --gtest_filter, else the
        label (a ctest test's name, a Catch2 test case's name)."""
        return self.label if self.label is not None else f"{self.suite}.{self.name}"


@dataclass(frozen=True)
class GtestReport:
    cases: tuple[GtestCase, ...]
    time: float  # seconds, of the whole run

    def _count(self, status: GtestStatus) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def passed(self) -> int:
        return self._count("passed")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def disabled(self) -> int:
        return self._count("disabled")

    @property
    def rerun_names(self) -> list[str]:
        """What a rerun of the failed tests selects, each once."""
        failed = (c.rerun_as or c.full_name for c in self.cases if c.status == "failed")
        return list(dict.fromkeys(failed))


def parse_gtest_xml(text: str) -> GtestReport:
    """Return the test cases of a googletest XML report, in the order of the report."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise GtestXmlError(
            "empty googletest XML report (the test program may have crashed or not run)"
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise GtestXmlError(
            f"malformed googletest XML ({exc}); a truncated file or not XML at all"
        ) from None
    if root.tag == "testsuites":
        suites = root.findall("testsuite")
    elif root.tag == "testsuite":
        suites = [root]
    else:
        raise GtestXmlError(
            f"not a googletest XML report: the root element is <{root.tag}>, expected <testsuites>"
        )
    cases: list[GtestCase] = []
    for suite in suites:
        suite_name = suite.get("name")
        if suite_name is None:
            raise GtestXmlError("not a googletest XML report: a <testsuite> has no name")
        cases.extend(_case(suite_name, el) for el in suite.findall("testcase"))
    total = root.get("time")
    time = seconds_attr(total, "the report") if total is not None else sum(c.time for c in cases)
    return GtestReport(cases=tuple(cases), time=time)


def _case(suite: str, el: ET.Element) -> GtestCase:
    name = el.get("name")
    if name is None:
        raise GtestXmlError(f"not a googletest XML report: a <testcase> in {suite} has no name")
    where = f"test {suite}.{name}"
    if "status" not in el.attrib and "time" not in el.attrib:
        raise GtestXmlError(
            "a googletest test list (--gtest_list_tests), not the report of a test run"
        )
    failures = [_text(child) for child in el if child.tag in ("failure", "error")]
    skipped = el.find("skipped")
    status: GtestStatus
    message: str | None = None
    if failures:
        # A test that failed and then called GTEST_SKIP() still failed, as gtest counts it.
        status, message = "failed", "\n".join(failures)
    elif el.get("status") == "notrun" or el.get("result") == "suppressed":
        status = "disabled"
    elif skipped is not None or el.get("result") == "skipped":
        status = "skipped"
        message = _text(skipped) if skipped is not None else None
    else:
        status = "passed"
    return GtestCase(
        suite=suite,
        name=name,
        status=status,
        time=seconds_attr(el.get("time"), where),
        message=message,
        value_param=el.get("value_param"),
        type_param=el.get("type_param"),
        errored=only_errors(el),
    )


def only_errors(el: ET.Element) -> bool:
    """A ``<testcase>`` with an ``<error>`` and no ``<failure>``: it errored, not failed."""
    tags = {child.tag for child in el}
    return "error" in tags and "failure" not in tags


def _text(el: ET.Element) -> str:
    """gtest puts the message (location, then summary) in the attribute and the same with
    the full message in the body; JUnit writers may leave out either."""
    message = el.get("message")
    if message is not None:
        return message
    return el.text or ""


def seconds_attr(value: str | None, where: str) -> float:
    if value is None:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise GtestXmlError(f"{where}: time={value!r} is not a number of seconds")
    return seconds
