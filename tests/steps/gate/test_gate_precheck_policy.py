"""The static-analysis and formatting gates judge each check by its own policy, and say what
precheck said: a check that fails precheck fails the gate, one that precheck passed with
attention (not blocking, or stopped at its time limit) is a warning."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cipipe.contracts.precheck import (
    CheckResult,
    Finding,
    Precheck,
    Severity,
    SeverityCounts,
)
from cipipe.contracts.repo_config import RepoConfig
from cipipe.steps.gate.evaluate import GateInputs, evaluate
from cipipe.steps.precheck import attention, blocking_failures
from cipipe.steps.precheck.checks import count, failing

ANALYSERS = ("clang-format", "cppcheck", "clang-tidy")


def findings(*specs: tuple[str, Severity]) -> list[Finding]:
    """One finding per (file, severity)."""
    return [
        Finding(file=file, line=1, rule="r", message="m", severity=sev, tool_severity=sev)
        for file, sev in specs
    ]


def check(
    name: str,
    found: list[Finding] | None = None,
    *,
    blocking: bool = False,
    fail_on: str = "error",
    status: str = "ran",
    timed_out_after: float | None = None,
    required: bool = True,
) -> CheckResult:
    found = found or []
    bad = failing(found, fail_on) if status in ("ran", "incomplete") else []
    passed = status in ("ran", "skipped", "disabled") and not bad
    if status in ("not-installed", "failed-to-run"):
        passed = not required
    return CheckResult.model_validate(
        {
            "name": name,
            "status": status,
            "passed": passed,
            "blocking": blocking,
            "required": required,
            "fail_on": fail_on,
            "failing": len(bad),
            "timed_out_after": timed_out_after,
            "files_checked": 3,
            "counts": count(found).model_dump(),
            "findings": [f.model_dump() for f in found],
        }
    )


def report(*checks: CheckResult) -> Precheck:
    given = {c.name: c for c in checks}
    every = [given.get(n) or check(n) for n in ANALYSERS]
    failures = blocking_failures(every)
    return Precheck(
        commit="a" * 40,
        scope="all",
        base=None,
        outcome="failed" if failures else "passed",
        blocking_failures=failures,
        attention=attention(every),
        checks=every,
    )


def gates(precheck: Precheck) -> dict[str, tuple[str, str]]:
    config = RepoConfig.model_validate({"service": "svc", "supports": ["linux"]})
    inputs = GateInputs(config=config, precheck=precheck, tests=None, scan=None, artifacts=None)
    return {g.name: (g.status, g.reason) for g in evaluate(inputs)}


@dataclass
class Row:
    name: str
    check: CheckResult
    gate: str  # the gate that judges it
    status: str
    reason: str  # a part of the gate's reason
    precheck: str  # precheck's outcome


ROWS = [
    Row(
        "a non-blocking clang-tidy error only needs attention",
        check("clang-tidy", findings(("a.cpp", "error"), ("b.cpp", "error"))),
        "static-analysis",
        "warning",
        "clang-tidy: 2 finding(s) at or above error (not blocking)",
        "passed",
    ),
    Row(
        "a blocking clang-tidy error fails",
        check("clang-tidy", findings(("a.cpp", "error")), blocking=True),
        "static-analysis",
        "failed",
        "clang-tidy: 1 finding(s) at or above error",
        "failed",
    ),
    Row(
        "warnings below fail_on error pass",
        check("cppcheck", findings(("a.cpp", "warning")), blocking=True),
        "static-analysis",
        "passed",
        "no critical finding from cppcheck, clang-tidy",
        "passed",
    ),
    Row(
        "warnings at fail_on warning fail a blocking check",
        check(
            "cppcheck",
            findings(("a.cpp", "warning"), ("a.cpp", "note")),
            blocking=True,
            fail_on="warning",
        ),
        "static-analysis",
        "failed",
        "cppcheck: 1 finding(s) at or above warning",
        "failed",
    ),
    Row(
        "a non-blocking check that timed out is a warning",
        check(
            "cppcheck",
            findings(("a.cpp", "note")),
            status="incomplete",
            timed_out_after=5,
        ),
        "static-analysis",
        "warning",
        "cppcheck incomplete (timed out after 5 s) (not blocking)",
        "passed",
    ),
    Row(
        "a blocking check that timed out fails",
        check("cppcheck", [], blocking=True, status="incomplete", timed_out_after=1800),
        "static-analysis",
        "failed",
        "cppcheck incomplete (timed out after 1800 s)",
        "failed",
    ),
    Row(
        "a required analyser that did not run fails even when not blocking",
        check("clang-tidy", status="failed-to-run"),
        "static-analysis",
        "failed",
        "clang-tidy failed-to-run",
        "failed",
    ),
    Row(
        "an optional analyser that is not installed is passed over",
        check("clang-tidy", status="not-installed", required=False),
        "static-analysis",
        "passed",
        "no critical finding from cppcheck",
        "passed",
    ),
    Row(
        "an analyser with nothing to check is passed over",
        check("clang-tidy", status="skipped"),
        "static-analysis",
        "passed",
        "no critical finding from cppcheck",
        "passed",
    ),
    Row(
        "no .clang-format: formatting is skipped, as precheck skipped it",
        check("clang-format", status="skipped"),
        "formatting",
        "skipped",
        "clang-format skipped",
        "passed",
    ),
    Row(
        "formatting counts files, not findings",
        check(
            "clang-format",
            findings(("a.cpp", "error"), ("a.cpp", "error"), ("a.cpp", "error"), ("b.h", "error")),
            blocking=True,
            fail_on="note",
        ),
        "formatting",
        "failed",
        "2 file(s) not formatted (4 finding(s))",
        "failed",
    ),
    Row(
        "non-blocking formatting only needs attention",
        check("clang-format", findings(("a.cpp", "error")), fail_on="note"),
        "formatting",
        "warning",
        "1 file(s) not formatted (1 finding(s)) (not blocking)",
        "passed",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_gate_follows_the_check_policy(row: Row) -> None:
    precheck = report(row.check)
    status, reason = gates(precheck)[row.gate]
    assert (status, reason) == (row.status, reason)
    assert row.reason in reason
    assert precheck.outcome == row.precheck
    # precheck and the gate agree: a failed precheck is a failed gate, attention a warning.
    assert (precheck.outcome == "failed") == (status == "failed")
    assert bool(precheck.attention) == (status == "warning")


def test_an_older_precheck_json_is_judged_on_errors() -> None:
    """precheck.json files written before fail_on was recorded read as fail_on error."""
    old = check("cppcheck", findings(("a.cpp", "warning"), ("a.cpp", "error")), blocking=True)
    data = old.model_dump()
    del data["fail_on"], data["failing"], data["timed_out_after"], data["files_with_findings"]
    status, reason = gates(report(CheckResult.model_validate(data)))["static-analysis"]
    assert status == "failed" and "cppcheck: 1 finding(s) at or above error" in reason


def test_counts_without_findings_still_count() -> None:
    checked = check("clang-tidy", blocking=True)
    checked.counts = SeverityCounts(error=3)
    status, reason = gates(report(checked))["static-analysis"]
    assert status == "failed" and "3 finding(s)" in reason
