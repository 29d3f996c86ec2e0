"""One row per rule of seed Step 3 (C, D, H): strategy, pace, approval and contributors.

The baseline is a change that scores exactly zero under the shipped policy (a Linux-only
service, nothing changed, every signal measured), so each row states only what it is about
and the expected score follows from the policy's numbers by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.contracts.risk_decision import Mode, RiskDecision, RollingPace
from cipipe.risk.calendar import in_windows
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.policy.thresholds import CalendarWindows, WeeklyWindow
from tests.risk.decide_rules import BUNDLE, NOW, QUIET, built, run
from tests.risk.riskinputs import missing, text


def lines_for(points: int) -> dict[str, Any]:
    """Changed lines worth exactly ``points`` (2 points per 100 lines in the shipped policy)."""
    return {"lines_added": points * 50}


def points(decision: RiskDecision) -> dict[str, float]:
    return {c.feature: c.points for c in decision.top_contributors}


def steps(decision: RiskDecision) -> list[tuple[int, str]]:
    pace = decision.suggested_pace
    assert pace.strategy == "canary"
    return [(s.weight, s.window) for s in pace.steps]


def test_baseline_scores_zero_and_rolls_out_in_full_batches() -> None:
    d = run().decision
    assert d.risk_score == 0 and d.score_before_clamp == 0 and d.top_contributors == []
    assert d.missing_inputs == []
    assert d.recommended_strategy == "rolling"
    assert d.suggested_pace.strategy == "rolling" and d.suggested_pace.batch_percent == 100


@dataclass
class Edge:
    score: int
    strategy: str
    approval: bool
    pace: Any = None


EDGES = [
    Edge(30, "rolling", False, 50),
    Edge(31, "canary", False, [(10, "2m"), (25, "5m"), (50, "10m"), (100, "15m")]),
    Edge(70, "canary", False, [(10, "2m"), (25, "5m"), (50, "10m"), (100, "15m")]),
    Edge(71, "blue-green", False, (3, "2m")),
    Edge(84, "blue-green", False, (3, "2m")),
    Edge(85, "blue-green", True, (3, "2m")),
]


@pytest.mark.parametrize("edge", EDGES, ids=lambda e: str(e.score))
def test_bucket_edges(edge: Edge) -> None:
    d = run(inputs=lines_for(edge.score), context={}).decision
    assert d.risk_score == edge.score
    assert points(d) == {"lines_changed": edge.score}
    assert d.recommended_strategy == edge.strategy
    assert d.manual_approval_required is edge.approval
    if edge.approval:
        assert d.manual_approval_reasons == ["risk score 85 >= 85 (manual_approval_at)"]
    pace = d.suggested_pace
    if pace.strategy == "rolling":
        assert pace.batch_percent == edge.pace
    elif pace.strategy == "canary":
        assert steps(d) == edge.pace
        assert pace.analysis.interval == "2m" and pace.analysis.failure_limit == 2
        assert [m.name for m in pace.analysis.metrics] == [
            "request-success-rate",
            "request-duration",
        ]
    else:
        assert (pace.healthy_windows, pace.window) == edge.pace


@dataclass
class Row:
    """A rule: inputs and context in, score, strategy, approval and contributors out."""

    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    paths: Sequence[str] | None = ("src/main.cpp",)
    score: int = 0
    strategy: str = "rolling"
    approval: bool = False
    contributors: dict[str, float] = field(default_factory=dict)
    override: str | None = None
    evidence: str = ""


ROWS = [
    Row(
        "files, dependency bump, failed tests",
        inputs={"files_changed": 20, "dependencies_new": 1, "unit_tests_failed": 2},
        score=19,
        contributors={"files_changed": 6, "dependency_bump": 5, "failed_unit_tests": 8},
    ),
    Row(
        "crashed tests count as failed",
        inputs={"unit_tests_failed": 1, "test_errors": 1},
        score=8,
        contributors={"failed_unit_tests": 8},
    ),
    Row(
        "integration failure",
        inputs={"integration_failed": 3},
        score=10,
        contributors={"integration_failure": 10},
    ),
    Row(
        "a large coverage gain alone is clamped at 0",
        inputs={"coverage_delta": 20.0},
        score=0,
        contributors={"coverage_change": -10},
    ),
    Row(
        "coverage gain lowers the score",
        inputs={"coverage_delta": 4.0, **lines_for(10)},
        score=8,
        contributors={"lines_changed": 10, "coverage_change": -2},
    ),
    Row(
        "coverage drop raises it",
        inputs={"coverage_delta": -6.0},
        score=3,
        contributors={"coverage_change": 3},
    ),
    Row(
        "module past failure rate",
        inputs={"module_failure_rate": 0.5},
        score=10,
        contributors={"module_past_failure_rate": 10},
    ),
    Row(
        "critical CVE forces blue-green",
        inputs={"vulnerabilities_critical": 2},
        score=50,
        strategy="blue-green",
        contributors={"critical_vulnerability": 50},
        override="overrides.critical_vulnerability",
        evidence="2 critical vulnerabilities",
    ),
    Row(
        "high criticality multiplies by 1.5",
        inputs={**lines_for(30), "criticality": text("high")},
        score=45,
        strategy="canary",
        contributors={"lines_changed": 30, "criticality": 15},
    ),
    Row(
        "criticality from the context wins",
        inputs=lines_for(30),
        context={"criticality": "critical"},
        score=45,
        strategy="canary",
        contributors={"lines_changed": 30, "criticality": 15},
    ),
    Row(
        "db schema change by path: blue-green with approval",
        paths=["migrations/0042_index.sql", "src/a.cpp"],
        strategy="blue-green",
        approval=True,
        override="overrides.db_schema_change",
        evidence="migrations/0042_index.sql matches migrations/**",
    ),
    Row(
        "kernel/driver change by path: blue-green, approval, hardware penalty",
        paths=["drivers/net/eth.c"],
        score=15,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15},
        override="overrides.kernel_driver_change",
        evidence="drivers/net/eth.c matches drivers/**",
    ),
    Row(
        "firmware repository: hardware penalty, conservative shift, forced blue-green",
        inputs={"kind": text("firmware"), **built("linux", "arm")},
        score=25,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15, "firmware_arm_shift": 10},
        override="overrides.kernel_driver_change",
        evidence="the repository is of kind firmware",
    ),
    Row(
        "ARM target: +10 moves 25 from rolling into canary",
        inputs={**lines_for(25), **built("linux", "arm")},
        score=35,
        strategy="canary",
        contributors={"lines_changed": 25, "firmware_arm_shift": 10},
    ),
    Row(
        "ARM planned but skipped (no toolchain): no ARM artifact, no conservative shift",
        inputs={**lines_for(25), **built("linux", planned=["linux", "arm"])},
        score=25,
        contributors={"lines_changed": 25},
    ),
    Row(
        "firmware repository with no ARM artifact: the hardware penalty, no ARM shift",
        inputs={"kind": text("firmware"), **built("linux", planned=["linux", "arm"])},
        score=15,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15},
        override="overrides.kernel_driver_change",
        evidence="the repository is of kind firmware",
    ),
    Row(
        "Windows driver with new signing: +10 (and the driver rules)",
        inputs={"kind": text("driver"), "targets": ["windows"]},
        context={"driver_signing_new": True},
        score=25,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15, "windows_driver_signing": 10},
        override="overrides.kernel_driver_change",
    ),
    Row(
        "Windows driver with known signing: no signing penalty",
        inputs={"kind": text("driver"), "targets": ["windows"]},
        context={"driver_signing_new": False},
        score=15,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15},
        override="overrides.kernel_driver_change",
    ),
    Row(
        "Windows driver, signing unknown: counted as new",
        inputs={"kind": text("driver"), "targets": ["windows"]},
        score=25,
        strategy="blue-green",
        approval=True,
        contributors={"hardware_penalty": 15, "windows_driver_signing": 10},
        override="overrides.kernel_driver_change",
    ),
    Row(
        "Linux user space follows the default mapping",
        inputs={**lines_for(25), "kind": text("user-space")},
        score=25,
        contributors={"lines_changed": 25},
    ),
    Row(
        "peak business, rolled-back last release, high traffic",
        context={"peak_business": True, "last_release_rolled_back": True, "production_qps": 5000},
        score=20,
        contributors={"peak_business": 5, "last_release_rolled_back": 10, "high_traffic": 5},
    ),
    Row(
        "change freeze requires approval",
        context={"change_freeze": True},
        approval=True,
        override="calendar.change_freeze",
    ),
    Row(
        "missing evidence is never a silent zero",
        inputs={"unit_tests_failed": missing(), "vulnerabilities_critical": missing()},
        score=30,
        contributors={"failed_unit_tests": 10, "critical_vulnerability": 20},
    ),
    Row(
        "the payments service: +10 and approval from 75",
        inputs={**lines_for(65), "service": "payments"},
        score=75,
        strategy="blue-green",
        approval=True,
        contributors={"lines_changed": 65, "service_shift": 10},
    ),
    Row(
        "clamped at 100",
        inputs={"unit_tests_failed": 40},
        score=100,
        strategy="blue-green",
        approval=True,
        contributors={"failed_unit_tests": 160},
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_rule(row: Row) -> None:
    d = run(inputs=row.inputs, context=row.context, paths=row.paths).decision
    assert points(d) == row.contributors
    assert d.risk_score == row.score
    assert d.recommended_strategy == row.strategy
    assert d.suggested_pace.strategy == row.strategy
    assert d.manual_approval_required is row.approval
    assert round(sum(c.points for c in d.top_contributors), 4) == d.score_before_clamp
    rules = [o.rule for o in d.overrides_applied]
    assert rules == ([row.override] if row.override else [])
    if row.evidence:
        assert row.evidence in d.overrides_applied[0].reason


def test_missing_signals_are_listed_with_their_source() -> None:
    decided = run(inputs={"dependencies_new": missing("deps_changed.json")}, context={})
    d = decided.decision
    bump = next(c for c in d.top_contributors if c.feature == "dependency_bump")
    assert (bump.status, bump.raw_value, bump.points) == ("missing", None, 5)
    assert "deps_changed.json" in bump.rule
    assert "dependency_bump" in d.missing_inputs
    assert decided.inputs.signals["dependency_bump"].status == "missing"


def test_unknown_changed_paths_are_reported_missing() -> None:
    d = run(paths=None).decision
    assert "changed_paths" in d.missing_inputs
    assert not d.overrides_applied


@pytest.mark.parametrize(
    ("how", "context"),
    [
        ("label", {"labels": ["hotfix"]}),
        ("PR label", {"pr_labels": ["hotfix", "bug"]}),
        ("branch", {"branch": "hotfix/login-timeout"}),
    ],
)
def test_hotfix_gets_the_smaller_faster_canary(how: str, context: dict[str, Any]) -> None:
    d = run(inputs=lines_for(10), context=context).decision
    assert d.bucket.strategy == "rolling" and d.recommended_strategy == "canary"
    assert steps(d) == [(5, "1m"), (25, "2m"), (50, "5m"), (100, "10m")]
    assert d.suggested_pace.strategy == "canary"
    assert d.suggested_pace.analysis.interval == "1m"  # checked at least once per step
    assert d.manual_override_allowed
    [override] = d.overrides_applied
    assert override.rule == "overrides.hotfix" and how in override.reason


def test_hotfix_never_lowers_blue_green() -> None:
    d = run(inputs=lines_for(80), context={"labels": ["hotfix"]}).decision
    assert d.recommended_strategy == "blue-green"
    assert "blue-green kept" in d.overrides_applied[0].effect


def test_a_release_branch_is_not_a_hotfix() -> None:
    d = run(context={"branch": "release/hotfix-later"}).decision
    assert not d.overrides_applied and not d.manual_override_allowed


@pytest.mark.parametrize(
    ("mode", "services", "expected", "applied"),
    [
        (None, [], "shadow", "rolling"),
        ("enforce", [], "enforce", "canary"),
        (None, ["svc"], "enforce", "canary"),
        ("shadow", ["svc"], "shadow", "rolling"),
    ],
)
def test_shadow_versus_enforce(
    mode: Mode | None, services: list[str], expected: str, applied: str, tmp_path: Path
) -> None:
    bundle = BUNDLE
    if services:
        thresholds = BUNDLE.thresholds.model_copy(
            update={
                "enforcement": BUNDLE.thresholds.enforcement.model_copy(
                    update={"enforce_services": services}
                )
            }
        )
        bundle = PolicyBundle(**{**BUNDLE.__dict__, "thresholds": thresholds})
    d = run(inputs=lines_for(50), mode=mode, bundle=bundle).decision
    assert d.recommended_strategy == "canary"  # the recommendation never depends on the mode
    assert d.mode == expected and d.apply.strategy == applied
    if expected == "shadow":
        assert "would have chosen" in d.apply.reason and not d.apply.manual_approval_required


def test_shadow_mode_applies_its_default_strategy_at_its_most_careful_pace() -> None:
    rolling = BUNDLE.mapping.pace.rolling
    most_careful = RollingPace(
        batch_percent=rolling.min_batch_percent,
        min_batch_percent=rolling.min_batch_percent,
        max_batch_percent=rolling.max_batch_percent,
    )
    for score in (5, 50, 90):
        d = run(inputs=lines_for(score)).decision
        assert d.mode == "shadow" and d.apply.strategy == "rolling"
        assert d.apply.pace == most_careful, score
    # What the policy suggests for a small change is faster than what shadow mode applies.
    small = run(inputs=lines_for(5)).decision
    assert isinstance(small.suggested_pace, RollingPace)
    assert small.suggested_pace.batch_percent > rolling.min_batch_percent


def test_shadow_mode_does_not_ask_for_approval_but_says_it_would() -> None:
    d = run(inputs=lines_for(90)).decision
    assert d.manual_approval_required and not d.apply.manual_approval_required


@pytest.mark.parametrize(
    ("deploy_at", "peak", "maintenance", "freeze"),
    [
        ("2026-11-30T10:00:00Z", True, False, False),  # Monday morning
        ("2026-11-30T18:00:00Z", False, False, False),  # Monday, the end is excluded
        ("2026-11-29T02:30:00Z", False, True, False),  # Sunday night maintenance
        ("2026-12-24T11:00:00Z", True, False, True),  # a Thursday inside the freeze
    ],
)
def test_calendar_from_the_policy(
    deploy_at: str, peak: bool, maintenance: bool, freeze: bool
) -> None:
    context = {"deploy_at": deploy_at}
    decided = run(context=context | {k: None for k in QUIET if k != "production_qps"})
    cal = decided.inputs.calendar
    assert (cal.peak_business.value, cal.maintenance_window.value, cal.change_freeze.value) == (
        peak,
        maintenance,
        freeze,
    )
    assert cal.evaluated_at == deploy_at
    assert decided.decision.manual_approval_required is freeze
    assert ("peak_business" in points(decided.decision)) is peak


def test_a_window_that_wraps_midnight() -> None:
    night = CalendarWindows(weekly=[WeeklyWindow(days=["fri"], start="22:00", end="02:00")])
    at = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Friday 23:00
    assert in_windows(night, at, "UTC")
    assert in_windows(night, at.replace(day=28, hour=1), "UTC")  # Saturday 01:00
    assert not in_windows(night, at.replace(day=28, hour=2), "UTC")
    assert not in_windows(night, at.replace(day=26), "UTC")  # Thursday 23:00
    # Read in the calendar's zone: 23:00 UTC is 00:00 in Berlin, still inside.
    assert in_windows(night, at, "Europe/Berlin")


def _without_time_and_actor(decision: RiskDecision) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(decision.to_json())
    del data["decided_at"], data["decided_by"]
    return data


def test_same_inputs_same_policy_same_bytes() -> None:
    context = {"deploy_at": "2026-11-30T10:00:00Z", "labels": ["hotfix"]}
    first = run(inputs=lines_for(40), context=context, now=NOW, by="a@host")
    second = run(inputs=lines_for(40), context=context, now=datetime.now(UTC), by="jenkins-7")
    assert first.inputs.to_json() == second.inputs.to_json()
    assert _without_time_and_actor(first.decision) == _without_time_and_actor(second.decision)
    assert first.decision.inputs_digest == second.decision.inputs_digest
    assert first.decision.decided_by != second.decision.decided_by


@settings(max_examples=150, deadline=None)
@given(
    lines=st.integers(0, 20_000),
    files=st.integers(0, 300),
    failed=st.integers(0, 30),
    coverage=st.floats(-50, 50, allow_nan=False),
    rate=st.floats(0, 1),
    critical=st.integers(0, 3),
    criticality=st.sampled_from(["low", "normal", "high", "critical"]),
    targets=st.sampled_from([["linux"], ["arm"], ["linux", "windows", "arm"]]),
    kind=st.sampled_from(["service", "user-space", "firmware", "driver"]),
    qps=st.one_of(st.none(), st.floats(0, 1e6)),
)
def test_contributors_always_add_up_and_the_score_is_in_range(
    lines: int,
    files: int,
    failed: int,
    coverage: float,
    rate: float,
    critical: int,
    criticality: str,
    targets: list[str],
    kind: str,
    qps: float | None,
) -> None:
    d = run(
        inputs={
            "lines_added": lines,
            "files_changed": files,
            "unit_tests_failed": failed,
            "coverage_delta": coverage,
            "module_failure_rate": rate,
            "vulnerabilities_critical": critical,
            "criticality": text(criticality),
            "targets": targets,
            "kind": text(kind),
        },
        context={"production_qps": qps},
    ).decision
    assert round(sum(c.points for c in d.top_contributors), 4) == d.score_before_clamp
    assert 0 <= d.risk_score <= 100
    assert d.bucket.min <= d.risk_score <= d.bucket.max
    assert d.manual_approval_required or d.risk_score < 85 or d.mode == "enforce"
    if critical:
        assert d.recommended_strategy == "blue-green"
