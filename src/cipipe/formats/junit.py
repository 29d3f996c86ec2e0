"""JUnit XML for Jenkins' ``junit`` step, in Maven Surefire's dialect, reruns included.

Surefire's dialect is the one JUnit flavour with a convention for reruns: a test that failed
and then passed on a rerun is a passed ``<testcase>`` with one ``<flakyFailure>`` per attempt
that failed (``<flakyError>`` per attempt that errored: an unexpected exception or a crash the
framework caught, not an assertion); a test that failed every time has its ``<failure>`` (or
``<error>``) from the first run and one ``<rerunFailure>`` (``<rerunError>``) per failed rerun.
Every file validates against Surefire's ``surefire-test-report-3.0.xsd`` (children in its
order: failure, rerunFailure, flakyFailure, skipped, error, rerunError, flakyError).

What Jenkins reads (jenkinsci/junit-plugin ``hudson/tasks/junit/SuiteResult.java`` and
``CaseResult.java``): every ``<testsuite>``, nested ones too, with its ``name`` and ``time``;
per ``<testcase>`` its ``name``, ``classname`` and ``time``, failed when it has an ``<error>``
or ``<failure>`` (the error's text first), skipped when it has ``<skipped>`` (its
``message``); and each ``<flakyFailure>`` and ``<rerunFailure>`` (``message``, ``type``, the
``stackTrace``, ``system-out`` and ``system-err`` texts), shown with the test. It does not
read ``<flakyError>`` or ``<rerunError>``: those attempts stay in the file for Surefire's own
report and the Flaky Test Handler plugin. A flaky test therefore shows as passed, with its
failed attempts beside it.

Generic on purpose (test results, one testcase per gate). The output is deterministic: suites
and cases in the order given, times in seconds with three decimals, no timestamps or host
names, so the same results always give the same text. Characters XML 1.0 cannot carry (most
control characters) are dropped; the rest is escaped by ElementTree.
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
    # Messages of the attempts before the outcome, by what went wrong in each: an assertion
    # failure, or an error (an unexpected exception, a crash the framework caught).
    flaky_failures: tuple[str, ...] = ()  # failed attempts of a test that finally passed
    flaky_errors: tuple[str, ...] = ()  # errored attempts of a test that finally passed
    rerun_failures: tuple[str, ...] = ()  # failed reruns of a test that finally failed
    rerun_errors: tuple[str, ...] = ()  # errored reruns of a test that finally failed

    def __post_init__(self) -> None:
        if not math.isfinite(self.time) or self.time < 0:
            raise ValueError(f"{self.classname}.{self.name}: time {self.time!r} is not >= 0")
        if (self.flaky_failures or self.flaky_errors) and self.outcome != "passed":
            raise ValueError(
                f"{self.classname}.{self.name}: flaky attempts belong to a test that passed"
            )
        if (self.rerun_failures or self.rerun_errors) and self.outcome not in ("failed", "error"):
            raise ValueError(f"{self.classname}.{self.name}: reruns belong to a test that failed")


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
    # skipped, error, rerunError, flakyError.
    if case.outcome == "failed":
        _message_element(el, "failure", case.message, "failure")
    for message in case.rerun_failures:
        _attempt(el, "rerunFailure", message, "failure")
    for message in case.flaky_failures:
        _attempt(el, "flakyFailure", message, "failure")
    if case.outcome == "skipped":
        skipped = ET.SubElement(el, "skipped")
        if case.message is not None:
            skipped.set("message", _clean(case.message))
    if case.outcome == "error":
        _message_element(el, "error", case.message, "error")
    for message in case.rerun_errors:
        _attempt(el, "rerunError", message, "error")
    for message in case.flaky_errors:
        _attempt(el, "flakyError", message, "error")


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
