"""JUnit XML for Jenkins' ``junit`` step, with Maven Surefire's elements for reruns.

Surefire's dialect is the one JUnit flavour with a convention for reruns: a test that failed
and then passed on a rerun is a passed ``<testcase>`` with one ``<flakyFailure>`` per failed
attempt; a test that failed every time has its ``<failure>`` (or ``<error>``) and one
``<rerunFailure>`` (``<rerunError>``) per failed rerun. Jenkins' junit step reads
``<failure>``, ``<error>`` and ``<skipped>`` and ignores the rest, so a flaky test shows there
as passed while the attempts stay in the file for tools that read them (the Flaky Test
Handler plugin, Surefire's own report).

Generic on purpose (test results today, one testcase per gate later). The output is
deterministic: suites and cases in the order given, times in seconds with three decimals, no
timestamps or host names, so the same results always give the same text. Characters XML 1.0
cannot carry (most control characters) are dropped; the rest is escaped by ElementTree.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

JUnitOutcome = Literal["passed", "failed", "skipped", "error"]

# Not allowed anywhere in an XML 1.0 document, not even as character references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    time: float  # seconds
    outcome: JUnitOutcome
    message: str | None = None  # the failure, error or skip message
    flaky_failures: tuple[str, ...] = ()  # failed attempts of a test that finally passed
    rerun_failures: tuple[str, ...] = ()  # failed reruns of a test that finally failed

    def __post_init__(self) -> None:
        if not math.isfinite(self.time) or self.time < 0:
            raise ValueError(f"{self.classname}.{self.name}: time {self.time!r} is not >= 0")
        if self.flaky_failures and self.outcome != "passed":
            raise ValueError(
                f"{self.classname}.{self.name}: flaky_failures belong to a test that passed"
            )
        if self.rerun_failures and self.outcome not in ("failed", "error"):
            raise ValueError(
                f"{self.classname}.{self.name}: rerun_failures belong to a test that failed"
            )


def junit_xml(suites: Mapping[str, Sequence[JUnitCase]]) -> str:
    """One ``<testsuite>`` per entry of ``suites`` (name -> its cases) in one ``<testsuites>``.

    Returns the document as text; write it encoded as UTF-8, as its declaration says.
    """
    every = [case for cases in suites.values() for case in cases]
    root = ET.Element("testsuites", _counts(every))
    for suite_name, cases in suites.items():
        suite = ET.SubElement(root, "testsuite", {"name": _clean(suite_name), **_counts(cases)})
        for case in cases:
            _testcase(suite, case)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _testcase(parent: ET.Element, case: JUnitCase) -> None:
    el = ET.SubElement(
        parent,
        "testcase",
        {"name": _clean(case.name), "classname": _clean(case.classname), "time": _time(case.time)},
    )
    # Children in the order of Surefire's schema: failure, rerunFailure, flakyFailure,
    # skipped, error, rerunError.
    if case.outcome == "failed":
        _message_element(el, "failure", case.message, "failure")
        for message in case.rerun_failures:
            _attempt(el, "rerunFailure", message, "failure")
    elif case.outcome == "passed":
        for message in case.flaky_failures:
            _attempt(el, "flakyFailure", message, "failure")
    elif case.outcome == "skipped":
        skipped = ET.SubElement(el, "skipped")
        if case.message is not None:
            skipped.set("message", _clean(case.message))
    else:
        _message_element(el, "error", case.message, "error")
        for message in case.rerun_failures:
            _attempt(el, "rerunError", message, "error")


def _message_element(parent: ET.Element, tag: str, message: str | None, kind: str) -> None:
    el = ET.SubElement(parent, tag)
    if message is not None:
        el.set("message", _clean(message))
        el.text = _clean(message)
    el.set("type", kind)


def _attempt(parent: ET.Element, tag: str, message: str, kind: str) -> None:
    el = ET.SubElement(parent, tag, {"message": _clean(message), "type": kind})
    ET.SubElement(el, "stackTrace").text = _clean(message)


def _counts(cases: Iterable[JUnitCase]) -> dict[str, str]:
    cases = list(cases)
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.outcome == "failed")),
        "errors": str(sum(1 for c in cases if c.outcome == "error")),
        "skipped": str(sum(1 for c in cases if c.outcome == "skipped")),
        "time": _time(sum(c.time for c in cases)),
    }


def _time(seconds: float) -> str:
    return f"{seconds:.3f}"


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)
