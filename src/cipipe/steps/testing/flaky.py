"""Merge a googletest run with reruns of its failed tests.

A test that fails and then passes when run again is flaky, not broken: it must not fail the
run, but it must not vanish either. So a flaky test ends as passed and is named in ``flaky``,
with its failed attempts kept as Surefire ``<flakyFailure>`` elements in the JUnit XML
(``<flakyError>`` for an attempt that errored); a test that failed every time stays failed
(an error when its first run errored), its reruns as ``<rerunFailure>`` (``<rerunError>``)
elements.

Rules, in order of the attempts (the initial run, then each rerun):
- only tests that failed in the initial run are settled by reruns; a rerun's result for any
  other test (a filter that matched more than it should) is ignored;
- the first passing rerun settles a test as flaky; later reruns are not looked at;
- a test absent from a rerun, or skipped or disabled there, keeps its previous failure:
  only a pass can turn a failure around.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cipipe.formats.junit import JUnitCase, JUnitOutcome
from cipipe.readers.gtest_xml import GtestCase, GtestReport

# gtest's filter syntax: ':' separates patterns and the first '-' starts the negative ones.
_FILTER_SPECIAL = (":", "-")


@dataclass(frozen=True)
class MergedRun:
    cases: tuple[GtestCase, ...]  # final status per test, in the initial order; flaky = passed
    flaky: tuple[str, ...]  # full names that failed first and passed on a rerun
    failed: tuple[str, ...]  # full names still failing after all reruns
    junit: dict[str, list[JUnitCase]]  # suite -> cases, for junit_xml()


def merge_attempts(initial: GtestReport, reruns: Sequence[GtestReport]) -> MergedRun:
    """Settle every test of ``initial`` against ``reruns`` (in the order they ran)."""
    attempts = [_by_name(rerun) for rerun in reruns]
    cases: list[GtestCase] = []
    flaky: list[str] = []
    failed: list[str] = []
    junit: dict[str, list[JUnitCase]] = {}
    for case in initial.cases:
        final, junit_case = _settle(case, attempts)
        cases.append(final)
        if case.status == "failed":
            (flaky if final.status == "passed" else failed).append(case.full_name)
        junit.setdefault(case.suite, []).append(junit_case)
    return MergedRun(cases=tuple(cases), flaky=tuple(flaky), failed=tuple(failed), junit=junit)


def rerun_filter(names: Sequence[str]) -> str:
    """The value for ``--gtest_filter=`` that runs exactly the tests ``names`` (full names).

    gtest's wildcards '*' and '?' may stay in a name. Raises ValueError for no names (an empty
    filter would run every test) and for a name gtest cannot filter on.
    """
    if not names:
        raise ValueError("no test to rerun: an empty --gtest_filter would run every test")
    for name in names:
        if not name or any(ch in name for ch in _FILTER_SPECIAL):
            raise ValueError(f"{name!r} cannot be put in --gtest_filter (empty, ':' or '-')")
    return ":".join(dict.fromkeys(names))


def _by_name(report: GtestReport) -> dict[str, GtestCase]:
    found: dict[str, GtestCase] = {}
    for case in report.cases:
        found.setdefault(case.full_name, case)
    return found


def _settle(
    case: GtestCase, attempts: Sequence[dict[str, GtestCase]]
) -> tuple[GtestCase, JUnitCase]:
    if case.status != "failed":
        return case, _junit(case, _OUTCOMES[case.status])
    failed: list[GtestCase] = [case]
    for attempt in attempts:
        again = attempt.get(case.full_name)
        if again is None or again.status not in ("passed", "failed"):
            continue
        if again.status == "passed":
            final = replace(case, status="passed", time=again.time, message=None, errored=False)
            failures, errors = _by_kind(failed)
            return final, _junit(final, "passed", flaky_failures=failures, flaky_errors=errors)
        failed.append(again)
    failures, errors = _by_kind(failed[1:])
    outcome: JUnitOutcome = "error" if case.errored else "failed"
    return case, _junit(case, outcome, rerun_failures=failures, rerun_errors=errors)


def _by_kind(attempts: Sequence[GtestCase]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The messages of the attempts that failed, and of those that errored."""
    failures = tuple(a.message or "" for a in attempts if not a.errored)
    return failures, tuple(a.message or "" for a in attempts if a.errored)


_OUTCOMES: dict[str, JUnitOutcome] = {
    "passed": "passed",
    "failed": "failed",
    "skipped": "skipped",
    "disabled": "skipped",
}


def _junit(
    case: GtestCase,
    outcome: JUnitOutcome,
    *,
    flaky_failures: tuple[str, ...] = (),
    flaky_errors: tuple[str, ...] = (),
    rerun_failures: tuple[str, ...] = (),
    rerun_errors: tuple[str, ...] = (),
) -> JUnitCase:
    message = case.message
    if case.status == "disabled":
        message = "disabled (DISABLED_ prefix)"
    return JUnitCase(
        classname=case.suite,
        # gtest's failure outside any test (suite "NonTestSuiteFailure") has no name.
        name=case.name or "(outside any test)",
        time=case.time,
        outcome=outcome,
        message=message,
        flaky_failures=flaky_failures,
        flaky_errors=flaky_errors,
        rerun_failures=rerun_failures,
        rerun_errors=rerun_errors,
    )
