from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cipipe.formats.junit import junit_xml
from cipipe.readers.gtest_xml import GtestCase, GtestReport, GtestStatus, parse_gtest_xml
from cipipe.readers.junit_reports import parse_catch2_junit
from cipipe.steps.testing.flaky import MergedRun, merge_attempts, rerun_filter
from tests.support.gtest_samples import failed_names, parse
from tests.support.surefire import assert_surefire_valid

STATUSES: tuple[GtestStatus, ...] = ("passed", "failed", "skipped", "disabled")


def case(full_name: str, status: GtestStatus, message: str | None = None) -> GtestCase:
    suite, name = full_name.split(".", 1)
    if message is None and status == "failed":
        message = f"{full_name} failed"
    return GtestCase(suite=suite, name=name, status=status, time=0.5, message=message)


def report(*cases: GtestCase) -> GtestReport:
    return GtestReport(cases=cases, time=sum(c.time for c in cases))


def statuses(merged: MergedRun) -> dict[str, str]:
    return {c.full_name: c.status for c in merged.cases}


def test_real_flaky_run() -> None:
    first, rerun = parse("flaky-first.xml"), parse("flaky-rerun.xml")
    # The fixture's rerun used exactly this filter.
    assert rerun_filter(failed_names(first)) == "Queue.Races:Queue.Broken"
    merged = merge_attempts(first, [rerun])
    assert merged.flaky == ("Queue.Races",)
    assert merged.failed == ("Queue.Broken",)
    assert statuses(merged) == {
        "Queue.Pushes": "passed",
        "Queue.Races": "passed",
        "Queue.Broken": "failed",
        "Timer.Fires": "passed",
    }
    final = GtestReport(cases=merged.cases, time=0)
    assert (final.passed, final.failed, final.skipped, final.disabled) == (3, 1, 0, 0)

    assert_surefire_valid(junit_xml(merged.junit))
    root = ET.fromstring(junit_xml(merged.junit))
    assert (root.get("tests"), root.get("failures")) == ("4", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [el.tag for el in cases["Races"]] == ["flakyFailure"]
    assert "lost the race" in (cases["Races"][0].get("message") or "")
    assert [el.tag for el in cases["Broken"]] == ["failure", "rerunFailure"]
    assert "always broken" in (cases["Broken"][1].findtext("stackTrace") or "")
    assert [el.tag for el in cases["Pushes"]] == []


def errored(full_name: str) -> GtestCase:
    return replace(case(full_name, "failed", f"{full_name} threw"), errored=True)


def test_attempts_that_errored_are_errors_in_the_junit() -> None:
    """An attempt that errored (an <error> in its report, no <failure>) is <flakyError> or
    <rerunError>, and a test whose first run errored and never passed is an <error>."""
    initial = report(errored("A.flaky"), case("A.mixed", "failed"), errored("A.broken"))
    reruns = [
        report(case("A.flaky", "passed"), errored("A.mixed"), case("A.broken", "failed")),
        report(errored("A.mixed"), errored("A.broken")),
    ]
    merged = merge_attempts(initial, reruns)
    assert merged.flaky == ("A.flaky",) and merged.failed == ("A.mixed", "A.broken")
    flaky, mixed, broken = merged.junit["A"]
    assert (flaky.outcome, flaky.flaky_errors, flaky.flaky_failures) == (
        "passed",
        ("A.flaky threw",),
        (),
    )
    assert (mixed.outcome, mixed.rerun_failures, mixed.rerun_errors) == (
        "failed",
        (),
        ("A.mixed threw", "A.mixed threw"),
    )
    assert (broken.outcome, broken.rerun_failures, broken.rerun_errors) == (
        "error",
        ("A.broken failed",),
        ("A.broken threw",),
    )
    text = junit_xml(merged.junit)
    assert_surefire_valid(text)
    tags = {c.get("name"): [el.tag for el in c] for c in ET.fromstring(text).iter("testcase")}
    assert tags == {
        "flaky": ["flakyError"],
        "mixed": ["failure", "rerunError", "rerunError"],
        "broken": ["rerunFailure", "error", "rerunError"],
    }


def test_the_readers_tell_an_error_from_a_failure() -> None:
    gtest = parse_gtest_xml(
        '<testsuites><testsuite name="S">'
        '<testcase name="e" status="run" time="0"><error message="threw"/></testcase>'
        '<testcase name="f" status="run" time="0"><failure message="x"/>'
        '<error message="y"/></testcase>'
        "</testsuite></testsuites>"
    )
    assert [(c.name, c.status, c.errored) for c in gtest.cases] == [
        ("e", "failed", True),
        ("f", "failed", False),
    ]
    catch2 = parse_catch2_junit(
        '<testsuites><testsuite name="prog">'
        '<testcase classname="prog.global" name="throws" time="0"><error message="e"/>'
        '</testcase><testcase classname="prog.global" name="ok" time="0"/>'
        "</testsuite></testsuites>"
    )
    assert [(c.name, c.errored) for c in catch2.cases] == [("throws", True), ("ok", False)]


def test_no_reruns_keeps_every_failure() -> None:
    first = parse("failures.xml")
    merged = merge_attempts(first, [])
    assert merged.failed == tuple(failed_names(first))
    assert merged.flaky == ()
    assert merged.cases == first.cases
    failed = merged.junit["Parser"][1]
    assert (failed.outcome, failed.message, failed.rerun_failures) == (
        "failed",
        first.cases[1].message,
        (),
    )


def test_absent_or_skipped_in_rerun_keeps_the_failure() -> None:
    initial = report(case("A.gone", "failed"), case("A.skips", "failed"), case("A.ok", "passed"))
    rerun = report(case("A.skips", "skipped", "skipped.cpp:1\nno GPU"))
    merged = merge_attempts(initial, [rerun])
    assert merged.failed == ("A.gone", "A.skips")
    assert merged.flaky == ()
    assert [c.rerun_failures for c in merged.junit["A"]] == [(), (), ()]


def test_several_reruns() -> None:
    initial = report(case("A.late", "failed", "try 1"), case("A.never", "failed", "n1"))
    reruns = [
        report(case("A.late", "failed", "try 2"), case("A.never", "failed", "n2")),
        report(case("A.late", "passed"), case("A.never", "failed", "n3")),
        # A test settled as flaky is not looked at again.
        report(case("A.late", "failed", "try 4"), case("A.never", "failed", "n4")),
    ]
    merged = merge_attempts(initial, reruns)
    assert merged.flaky == ("A.late",)
    assert merged.failed == ("A.never",)
    late, never = merged.junit["A"]
    assert (late.outcome, late.message, late.flaky_failures) == ("passed", None, ("try 1", "try 2"))
    assert (never.outcome, never.message, never.rerun_failures) == (
        "failed",
        "n1",
        ("n2", "n3", "n4"),
    )
    assert merged.cases[0].status == "passed" and merged.cases[0].message is None


def test_rerun_results_of_tests_that_did_not_fail_are_ignored() -> None:
    initial = report(case("A.ok", "passed"), case("A.off", "disabled"), case("A.bad", "failed"))
    rerun = report(case("A.ok", "failed"), case("A.off", "passed"), case("B.new", "failed"))
    merged = merge_attempts(initial, [rerun])
    assert statuses(merged) == {"A.ok": "passed", "A.off": "disabled", "A.bad": "failed"}
    assert merged.failed == ("A.bad",)


def test_junit_for_disabled_skipped_and_outside_any_test() -> None:
    merged = merge_attempts(parse("disabled.xml"), [])
    outcomes = [(c.name, c.outcome) for cases in merged.junit.values() for c in cases]
    assert outcomes == [
        ("Stores", "passed"),
        ("DISABLED_Evicts", "skipped"),
        ("Expires", "passed"),
        ("Connects", "skipped"),
        ("Reconnects", "skipped"),
    ]
    skipped = merge_attempts(parse("skipped.xml"), []).junit["Gpu"][0]
    assert (skipped.outcome, skipped.message) == (
        "skipped",
        "skipped.cpp:4\nno GPU on this machine",
    )
    outside = merge_attempts(parse("environment_failure.xml"), [])
    assert outside.failed == ("NonTestSuiteFailure.",)
    junit_case = outside.junit["NonTestSuiteFailure"][0]
    assert (junit_case.name, junit_case.outcome) == ("(outside any test)", "failed")


def test_parameterised_suites_keep_their_order() -> None:
    merged = merge_attempts(parse("parameterised.xml"), [])
    assert list(merged.junit) == ["Codec/0", "Codec/1", "Crc/CrcTest"]
    assert [c.name for c in merged.junit["Crc/CrcTest"]][:2] == ["Matches/0", "Matches/1"]


def test_rerun_filter() -> None:
    assert rerun_filter(["A.b", "C/P.d/0", "A.b", "T*.?"]) == "A.b:C/P.d/0:T*.?"
    with pytest.raises(ValueError, match="every test"):
        rerun_filter([])
    for bad in ("A.b-c", "A:b", ""):
        with pytest.raises(ValueError):
            rerun_filter(["X.y", bad])


NAMES = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C/P"]), st.sampled_from(["x", "y", "z", "w/0", "w/1"])),
    unique=True,
    max_size=15,
).map(lambda pairs: [f"{suite}.{name}" for suite, name in pairs])


@given(data=st.data(), names=NAMES)
def test_merge_keeps_every_case_and_never_flaky_and_failed(
    data: st.DataObject, names: list[str]
) -> None:
    initial = report(*(case(n, data.draw(st.sampled_from(STATUSES))) for n in names))
    candidates = [*names, "Extra.t"]
    reruns = [
        report(*(case(n, data.draw(st.sampled_from(STATUSES))) for n in subset))
        for subset in data.draw(
            st.lists(st.lists(st.sampled_from(candidates), unique=True), max_size=3)
        )
    ]
    merged = merge_attempts(initial, reruns)

    assert [c.full_name for c in merged.cases] == names
    assert not set(merged.flaky) & set(merged.failed)
    assert set(merged.flaky) | set(merged.failed) == set(failed_names(initial))
    final = GtestReport(cases=merged.cases, time=0)
    assert final.passed + final.failed + final.skipped + final.disabled == final.total == len(names)
    assert failed_names(final) == list(merged.failed)
    assert final.passed == initial.passed + len(merged.flaky)
    for before, after in zip(initial.cases, merged.cases, strict=True):
        if before.status != "failed":
            assert after == before

    assert_surefire_valid(junit_xml(merged.junit))
    root = ET.fromstring(junit_xml(merged.junit))
    assert root.get("tests") == str(len(names))
    assert root.get("failures") == str(len(merged.failed))
    assert root.get("skipped") == str(final.skipped + final.disabled)
    assert len(root.findall(".//flakyFailure")) >= len(merged.flaky)
