"""The precheck golden files compare what cipipe decides, not the analysers' wording
(tool_wording.py): a newer cppcheck or clang-tidy saying the same finding in other words still
matches them, and a change in what cipipe decides still does not. No analyser runs here: the
outputs are the golden files with the placeholders turned back into words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.steps.precheck import tool_wording
from tests.support.snapshots import SNAPSHOTS

SARIF = SNAPSHOTS / "precheck-violations.sarif.json"
REPORT = SNAPSHOTS / "precheck-violations.precheck.json"


def reworded(golden: Any, words: str) -> Any:
    """The golden file as a newer analyser release would have it: every placeholder back to
    ``words`` (one wording per tool)."""
    text = json.dumps(golden)
    for tool in tool_wording.TOOLS_WITH_THEIR_OWN_WORDING:
        text = text.replace(tool_wording.placeholder(tool), f"{tool} {words}")
    return json.loads(text)


def run_of(log: dict[str, Any], tool: str) -> dict[str, Any]:
    return next(run for run in log["runs"] if run["tool"]["driver"]["name"] == tool)


def check_of(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(check for check in report["checks"] if check["name"] == name)


@pytest.mark.parametrize("words", ["says it one way", "now says it another way."])
def test_new_wording_of_the_analysers_matches_the_golden_files(words: str) -> None:
    sarif, report = json.loads(SARIF.read_text()), json.loads(REPORT.read_text())
    raw_sarif, raw_report = reworded(sarif, words), reworded(report, words)
    assert raw_sarif != sarif and raw_report != report
    assert tool_wording.sarif_log(raw_sarif) == sarif
    assert tool_wording.precheck_report(raw_report) == report


def test_cipipes_own_words_are_compared() -> None:
    sarif = json.loads(SARIF.read_text())
    for tool in ("clang-format", "telemetry-contract"):
        run_of(sarif, tool)["results"][0]["message"]["text"] = "other words"
        assert tool_wording.sarif_log(sarif) != json.loads(SARIF.read_text())
    rule = run_of(sarif, "cppcheck")["tool"]["driver"]["rules"][0]
    assert "cipipe runs cppcheck with --inline-suppr" in rule["help"]["text"]
    rule["help"]["text"] = rule["help"]["text"].replace("--inline-suppr", "--suppress")
    assert tool_wording.sarif_log(sarif) != json.loads(SARIF.read_text())


SARIF_CHANGES = {
    "a level": lambda log: run_of(log, "cppcheck")["results"][1].update(level="warning"),
    "a rule id": lambda log: run_of(log, "clang-tidy")["results"][0].update(ruleId="other"),
    "a line": lambda log: run_of(log, "cppcheck")["results"][0]["locations"][0]["physicalLocation"][
        "region"
    ].update(startLine=4),
    "a result dropped": lambda log: run_of(log, "clang-tidy")["results"].pop(),
    "a fingerprint": lambda log: run_of(log, "cppcheck")["results"][0][
        "partialFingerprints"
    ].update(primaryLocationLineHash="0:1"),
}
REPORT_CHANGES = {
    "a severity": lambda r: check_of(r, "cppcheck")["findings"][1].update(severity="warning"),
    "a file": lambda r: check_of(r, "clang-tidy")["findings"][0].update(file="src/other.cpp"),
    "a count": lambda r: check_of(r, "cppcheck")["counts"].update(error=2),
    "the outcome": lambda r: r.update(outcome="passed"),
}


@pytest.mark.parametrize("change", list(SARIF_CHANGES))
def test_a_change_in_cipipes_sarif_still_differs(change: str) -> None:
    sarif = json.loads(SARIF.read_text())
    raw = reworded(sarif, "in new words")
    SARIF_CHANGES[change](raw)
    assert tool_wording.sarif_log(raw) != sarif


@pytest.mark.parametrize("change", list(REPORT_CHANGES))
def test_a_change_in_cipipes_report_still_differs(change: str) -> None:
    report = json.loads(REPORT.read_text())
    raw = reworded(report, "in new words")
    REPORT_CHANGES[change](raw)
    assert tool_wording.precheck_report(raw) != report
