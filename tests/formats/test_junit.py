from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.formats.junit import JUnitCase, JUnitOutcome, junit_xml
from tests.support.surefire import assert_surefire_valid, surefire_problems


def parse(suites: dict[str, list[JUnitCase]]) -> ET.Element:
    text = junit_xml(suites)
    return ET.fromstring(text.encode("utf-8"))


def children(el: ET.Element) -> list[str]:
    return [child.tag for child in el]


def test_suites_cases_and_counts() -> None:
    root = parse(
        {
            "Math": [
                JUnitCase("Math", "Adds", 0.0125, "passed"),
                JUnitCase("Math", "Divides", 1.5, "failed", message="div by zero"),
                JUnitCase("Math", "Crashes", 0.0, "error", message="SIGSEGV"),
                JUnitCase("Math", "Gpu", 0.0, "skipped", message="no GPU"),
            ],
            "Empty": [],
            "Strings": [JUnitCase("Strings", "Compares", 0.25, "passed")],
        }
    )
    assert root.tag == "testsuites"
    assert root.attrib == {
        "tests": "5",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
        "time": "1.762",
    }
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["Math", "Empty", "Strings"]
    assert suites[0].attrib == {
        "name": "Math",
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
        "time": "1.512",
    }
    assert suites[1].attrib["tests"] == "0"
    cases = suites[0].findall("testcase")
    assert [c.attrib for c in cases[:2]] == [
        {"name": "Adds", "classname": "Math", "time": "0.013"},
        {"name": "Divides", "classname": "Math", "time": "1.500"},
    ]
    assert [children(c) for c in cases] == [[], ["failure"], ["error"], ["skipped"]]
    failure = cases[1].find("failure")
    assert failure is not None
    assert (failure.get("message"), failure.get("type"), failure.text) == (
        "div by zero",
        "failure",
        "div by zero",
    )
    error = cases[2].find("error")
    assert error is not None and error.get("type") == "error"
    skipped = cases[3].find("skipped")
    assert skipped is not None and skipped.get("message") == "no GPU"


def test_flaky_test_is_passed_with_one_flaky_failure_per_failed_attempt() -> None:
    case = JUnitCase("Queue", "Races", 0.5, "passed", flaky_failures=("first", "second"))
    testcase = parse({"Queue": [case]}).find("testsuite/testcase")
    assert testcase is not None
    assert children(testcase) == ["flakyFailure", "flakyFailure"]
    assert [(f.get("message"), f.get("type")) for f in testcase] == [
        ("first", "failure"),
        ("second", "failure"),
    ]
    assert [f.findtext("stackTrace") for f in testcase] == ["first", "second"]
    suite = parse({"Queue": [case]}).find("testsuite")
    assert suite is not None and suite.get("failures") == "0"


def test_test_failing_every_time_has_failure_then_rerun_failures() -> None:
    failed = JUnitCase(
        "Queue", "Broken", 0.1, "failed", message="try 1", rerun_failures=("try 2", "try 3")
    )
    errored = JUnitCase("Queue", "Dies", 0.1, "error", message="abort", rerun_errors=("again",))
    cases = parse({"Queue": [failed, errored]}).findall("testsuite/testcase")
    assert children(cases[0]) == ["failure", "rerunFailure", "rerunFailure"]
    assert [el.get("message") for el in cases[0]] == ["try 1", "try 2", "try 3"]
    assert cases[0][1].findtext("stackTrace") == "try 2"
    assert children(cases[1]) == ["error", "rerunError"]
    assert cases[1][1].get("type") == "error"


def test_errored_attempts_are_errors_not_failures() -> None:
    """An attempt that errored is <flakyError> / <rerunError>, placed where Surefire's
    schema wants them, whatever the final outcome."""
    flaky = JUnitCase(
        "Q", "Flaky", 0.1, "passed", flaky_failures=("assert",), flaky_errors=("threw",)
    )
    failed = JUnitCase(
        "Q", "Failed", 0.1, "failed", "assert 1", rerun_failures=("a2",), rerun_errors=("e",)
    )
    errored = JUnitCase(
        "Q", "Errored", 0.1, "error", "threw 1", rerun_failures=("a2",), rerun_errors=("e",)
    )
    cases = parse({"Q": [flaky, failed, errored]}).findall("testsuite/testcase")
    assert [children(c) for c in cases] == [
        ["flakyFailure", "flakyError"],
        ["failure", "rerunFailure", "rerunError"],
        ["rerunFailure", "error", "rerunError"],
    ]
    assert [(el.get("type"), el.findtext("stackTrace")) for el in cases[0]] == [
        ("failure", "assert"),
        ("error", "threw"),
    ]
    assert_surefire_valid(junit_xml({"Q": [flaky, failed, errored]}))


def test_every_outcome_and_attempt_validates_against_the_surefire_xsd() -> None:
    nasty = 'a <b> & "c"\x00\x1b ü \ud800 end'
    suites = {
        nasty: [
            JUnitCase(nasty, nasty, 12345.6789, "failed", nasty, rerun_failures=(nasty,)),
            JUnitCase("C", "e", 0.0, "error", None, rerun_errors=("",)),
            JUnitCase("C", "p", 0.0005, "passed", flaky_failures=("",), flaky_errors=(nasty,)),
            JUnitCase("C", "s", 0.0, "skipped", nasty),
            JUnitCase("C", "s2", 0.0, "skipped"),
            JUnitCase("C", "f2", 0.0, "failed"),
        ],
        "empty": [],
    }
    assert_surefire_valid(junit_xml(suites))


def test_the_xsd_check_catches_what_surefire_rejects() -> None:
    """The validator itself: elements out of the schema's order, a missing required
    attribute, a time Surefire's pattern refuses and a foreign root all fail."""
    good = junit_xml({"S": [JUnitCase("S", "a", 0.0, "error", "x", rerun_failures=("y",))]})
    assert surefire_problems(good) == []
    swapped = good.replace("<rerunFailure", "<rerunX").replace("</rerunFailure>", "</rerunX>")
    assert surefire_problems(swapped)
    assert surefire_problems(good.replace(' type="error"', ""))
    assert surefire_problems(good.replace('time="0.000"', 'time="1e-3"'))
    assert surefire_problems("<report/>")


_text = st.text(st.characters(codec="utf-8"), max_size=20)


@st.composite
def _cases(draw: st.DrawFn) -> JUnitCase:
    outcomes: list[JUnitOutcome] = ["passed", "failed", "skipped", "error"]
    outcome = draw(st.sampled_from(outcomes))
    attempts = st.lists(_text, max_size=2).map(tuple)
    kwargs: dict[str, tuple[str, ...]] = {}
    if outcome == "passed":
        kwargs = {"flaky_failures": draw(attempts), "flaky_errors": draw(attempts)}
    elif outcome in ("failed", "error"):
        kwargs = {"rerun_failures": draw(attempts), "rerun_errors": draw(attempts)}
    return JUnitCase(
        draw(_text),
        draw(_text),
        draw(st.floats(min_value=0, max_value=1e7, allow_nan=False)),
        outcome,
        draw(st.none() | _text),
        **kwargs,
    )


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_text, st.lists(_cases(), max_size=4), max_size=3))
def test_any_results_validate_against_the_surefire_xsd(
    suites: dict[str, list[JUnitCase]],
) -> None:
    assert_surefire_valid(junit_xml(suites))


def test_failure_without_message() -> None:
    testcase = parse({"S": [JUnitCase("S", "a", 0, "failed")]}).find("testsuite/testcase")
    assert testcase is not None
    failure = testcase.find("failure")
    assert failure is not None
    assert failure.attrib == {"type": "failure"} and failure.text is None
    skipped = parse({"S": [JUnitCase("S", "b", 0, "skipped")]}).find(".//skipped")
    assert skipped is not None and skipped.attrib == {}


def test_escaping_and_control_characters() -> None:
    nasty = "a <b> & \"c\" 'd'\x00\x01\x08\x0b\x0c\x1b\x1f\ufffe end\ttab\nline2"
    clean = "a <b> & \"c\" 'd' end\ttab\nline2"
    suites = {
        'Suite<&">': [
            JUnitCase(
                'Cls<&">', 'name<&">\x07', 0, "failed", message=nasty, rerun_failures=(nasty,)
            ),
            JUnitCase("Cls", "flaky", 0, "passed", flaky_failures=(nasty,)),
            JUnitCase("Cls", "skip", 0, "skipped", message=nasty),
        ]
    }
    text = junit_xml(suites)
    text.encode("utf-8")  # nothing that UTF-8 cannot carry (no lone surrogates)
    assert "\x00" not in text and "\x1b" not in text
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == 'Suite<&">'
    failed, flaky, skip = suite.findall("testcase")
    assert (failed.get("classname"), failed.get("name")) == ('Cls<&">', 'name<&">')
    failure, rerun = failed
    # Attributes keep newlines and tabs (written as character references), bodies too.
    assert failure.get("message") == clean and failure.text == clean
    assert rerun.get("message") == clean and rerun.findtext("stackTrace") == clean
    assert flaky[0].get("message") == clean and flaky[0].findtext("stackTrace") == clean
    assert skip[0].get("message") == clean


def test_lone_surrogates_are_dropped() -> None:
    text = junit_xml({"S": [JUnitCase("S", "a", 0, "failed", message="x\ud800y")]})
    assert ET.fromstring(text.encode("utf-8")).findtext(".//failure") == "xy"


def test_unicode_is_kept() -> None:
    text = junit_xml({"Grüße": [JUnitCase("Grüße", "✓", 0, "failed", message="ß ≠ ss")]})
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.findtext(".//failure") == "ß ≠ ss"
    assert root.find(".//testcase") is not None


def test_deterministic() -> None:
    suites = {
        "B": [JUnitCase("B", "z", 0.1, "passed"), JUnitCase("B", "a", 0.2, "failed", "m")],
        "A": [JUnitCase("A", "x", 0.0, "skipped")],
    }
    text = junit_xml(suites)
    assert text == junit_xml(dict(suites))
    assert "timestamp" not in text and "hostname" not in text
    # The order given is the order written.
    root = ET.fromstring(text)
    assert [c.get("name") for c in root.iter("testcase")] == ["z", "a", "x"]


def test_no_suites() -> None:
    root = parse({})
    assert root.tag == "testsuites" and len(root) == 0 and root.get("tests") == "0"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outcome": "failed", "flaky_failures": ("x",)},
        {"outcome": "skipped", "flaky_failures": ("x",)},
        {"outcome": "passed", "rerun_failures": ("x",)},
        {"outcome": "error", "flaky_errors": ("x",)},
        {"outcome": "passed", "rerun_errors": ("x",)},
        {"outcome": "skipped", "rerun_failures": ("x",)},
        {"outcome": "passed", "time": -0.5},
        {"outcome": "passed", "time": float("nan")},
    ],
)
def test_inconsistent_case_is_rejected(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"classname": "S", "name": "a", "time": 0.0, **kwargs}
    with pytest.raises(ValueError):
        JUnitCase(**args)  # type: ignore[arg-type]
