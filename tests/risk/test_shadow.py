"""The shadow report's arithmetic: confusion counts, rates, weeks and readiness to enforce."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cipipe.risk.shadow.report import (
    EnforcementRules,
    ShadowDecision,
    Tally,
    build_report,
    decision_from_log,
    latest_per_build,
)

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # ISO week 2026-W10
RULES = EnforcementRules(max_false_positive_rate=0.10, min_shadow_releases=2)


def _d(
    build_id: str,
    strategy: str = "rolling",
    *,
    approval: bool = False,
    service: str = "gateway",
    at: datetime = MONDAY,
    mode: str = "shadow",
    seq: int = 0,
) -> ShadowDecision:
    return ShadowDecision(service, build_id, at, mode, strategy, approval, seq)


def _tally(decision: ShadowDecision, results: Sequence[str]) -> Tally:
    tally = Tally()
    tally.add(decision, results)
    return tally


@pytest.mark.parametrize(
    ("strategy", "approval", "results", "expected"),
    [
        ("blue-green", False, ["rollback"], "tp"),
        ("rolling", True, ["ok", "slo-breach"], "tp"),
        ("blue-green", False, ["ok"], "fp"),
        ("canary", True, ["ok"], "fp"),
        ("canary", False, ["ok"], "tn"),
        ("rolling", False, ["hotfix"], "tn"),
        ("rolling", False, ["slo-breach"], "fn"),
        ("canary", False, ["ok", "rollback"], "fn"),
        ("blue-green", False, [], "pending"),
        ("rolling", False, [], "pending"),
    ],
)
def test_each_decision_lands_in_one_cell(
    strategy: str, approval: bool, results: list[str], expected: str
) -> None:
    tally = _tally(_d("1", strategy, approval=approval), results)
    cells = {"tp": tally.tp, "fp": tally.fp, "tn": tally.tn, "fn": tally.fn}
    cells["pending"] = tally.pending
    assert cells == {k: int(k == expected) for k in cells}
    outcome = {"tp": "failed", "fn": "failed", "pending": "pending"}.get(expected, "ok")
    assert tally.by_strategy[strategy][outcome] == 1


def test_a_hotfix_is_ok_but_counted_apart() -> None:
    tally = _tally(_d("1"), ["ok", "hotfix"])
    assert (tally.tn, tally.hotfix) == (1, 1)
    failed = _tally(_d("2"), ["hotfix", "rollback"])
    assert (failed.fn, failed.hotfix) == (1, 0)


def test_rates_leave_pending_out_and_are_none_without_a_denominator() -> None:
    tally = Tally()
    assert (tally.fpr, tally.tpr) == (None, None)
    for build, strategy, results in [
        ("1", "blue-green", ["ok"]),
        ("2", "rolling", ["ok"]),
        ("3", "rolling", ["ok"]),
        ("4", "rolling", ["ok"]),
        ("5", "blue-green", ["rollback"]),
        ("6", "canary", ["rollback"]),
        ("7", "blue-green", []),
    ]:
        tally.add(_d(build, strategy), results)
    assert (tally.known, tally.pending) == (6, 1)
    assert tally.fpr == pytest.approx(1 / 4)
    assert tally.tpr == pytest.approx(1 / 2)
    assert tally.by_strategy["blue-green"] == {"ok": 1, "failed": 1, "pending": 1}


def test_the_recommendation_is_read_from_the_logged_document() -> None:
    document: Mapping[str, object] = {
        "decision": {"recommended_strategy": "canary", "manual_approval_required": True},
        "inputs": {},
    }
    read = decision_from_log(
        service="s",
        build_id="1",
        decided_at=MONDAY,
        mode="shadow",
        strategy="rolling",
        document=document,
        seq=4,
    )
    assert (read.recommended_strategy, read.manual_approval_required, read.positive) == (
        "canary",
        True,
        True,
    )
    bare = decision_from_log(
        service="s",
        build_id="1",
        decided_at=MONDAY,
        mode="shadow",
        strategy="blue-green",
        document={},
        seq=5,
    )
    assert (bare.recommended_strategy, bare.manual_approval_required) == ("blue-green", False)


def test_only_the_latest_decision_of_a_build_counts() -> None:
    early = _d("1", "blue-green", at=MONDAY, seq=9)
    late = _d("1", "rolling", at=MONDAY + timedelta(hours=1), seq=1)
    tie = _d("2", "rolling", seq=1)
    tie_later = _d("2", "blue-green", seq=2)
    assert latest_per_build([late, early, tie_later, tie]) == [tie_later, late]
    report = build_report([early, late], {("gateway", "1"): ["ok"]}, RULES)
    assert (report.overall.tally.tn, report.overall.tally.fp) == (1, 0)


def test_enforced_decisions_count_only_when_asked() -> None:
    decisions = [_d("1"), _d("2", mode="enforce")]
    outcomes = {("gateway", "1"): ["ok"], ("gateway", "2"): ["ok"]}
    assert build_report(decisions, outcomes, RULES).overall.tally.known == 1
    both = build_report(decisions, outcomes, RULES, include_enforced=True)
    assert both.overall.tally.known == 2


def test_groups_by_iso_week_of_the_utc_time_and_filters_since() -> None:
    sunday_late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2026-W09
    # Monday in UTC+2 is still Sunday in UTC: the week is the UTC one.
    monday_east = datetime(2026, 3, 2, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    decisions = [_d("1", at=sunday_late), _d("2", at=monday_east), _d("3", at=MONDAY)]
    outcomes = {(d.service, d.build_id): ["ok"] for d in decisions}
    report = build_report(decisions, outcomes, RULES)
    assert {w: t.known for w, t in report.overall.weeks.items()} == {"2026-W09": 2, "2026-W10": 1}
    assert report.services[0].grouped.weeks.keys() == {"2026-W09", "2026-W10"}
    later = build_report(decisions, outcomes, RULES, since=datetime(2026, 3, 2, tzinfo=UTC))
    assert later.overall.weeks.keys() == {"2026-W10"}


@pytest.mark.parametrize(
    ("service", "rows", "ready", "codes"),
    [
        # Default threshold 10%: 1 FP in 10 negatives is at the limit.
        ("gateway", [("blue-green", "ok")] + [("rolling", "ok")] * 9, True, []),
        ("gateway", [("blue-green", "ok")] * 2 + [("rolling", "ok")] * 8, False, ["fpr-too-high"]),
        # payments allows 20%.
        ("payments", [("blue-green", "ok")] * 2 + [("rolling", "ok")] * 8, True, []),
        ("payments", [("blue-green", "ok")] * 3 + [("rolling", "ok")] * 7, False, ["fpr-too-high"]),
        # Fewer outcomes than min_shadow_releases (pending ones do not count).
        ("gateway", [("rolling", "ok"), ("rolling", None)], False, ["too-few-releases"]),
        # Every release failed: no negatives, FPR undefined.
        ("gateway", [("blue-green", "rollback")] * 3, False, ["no-negatives"]),
        ("gateway", [], False, ["too-few-releases", "no-negatives"]),
    ],
)
def test_readiness_per_service(
    service: str, rows: list[tuple[str, str | None]], ready: bool, codes: list[str]
) -> None:
    rules = EnforcementRules(
        max_false_positive_rate=0.10, min_shadow_releases=2, service_rates={"payments": 0.20}
    )
    decisions = [_d(str(n), s, service=service) for n, (s, _) in enumerate(rows)]
    outcomes = {(service, str(n)): [r] for n, (_, r) in enumerate(rows) if r is not None}
    report = build_report(decisions, outcomes, rules, service=service)
    [judged] = report.services
    assert judged.ready_to_enforce is ready
    assert [r.code for r in judged.reasons] == codes
    assert judged.threshold == rules.threshold(service)


def test_min_shadow_releases_comes_from_the_rules() -> None:
    rules = EnforcementRules(max_false_positive_rate=0.5, min_shadow_releases=3)
    decisions = [_d(str(n)) for n in range(3)]
    outcomes = {("gateway", "0"): ["ok"], ("gateway", "1"): ["ok"], ("gateway", "2"): []}
    [judged] = build_report(decisions, outcomes, rules).services
    assert [r.code for r in judged.reasons] == ["too-few-releases"]
    assert judged.reasons[0].detail == "2 of 3 shadow releases have an outcome"
    outcomes[("gateway", "2")] = ["ok"]
    assert build_report(decisions, outcomes, rules).services[0].ready_to_enforce


def test_services_are_judged_apart_and_the_json_is_plain_data() -> None:
    decisions = [_d("1", service="a"), _d("1", "blue-green", service="b")]
    outcomes = {("a", "1"): ["ok"], ("b", "1"): ["rollback"]}
    report = build_report(decisions, outcomes, RULES, policy_version="sha256:x")
    data = report.to_json()
    assert [s.service for s in report.services] == ["a", "b"]
    assert json.loads(json.dumps(data)) == data
    overall = data["overall"]
    assert isinstance(overall, dict)
    assert (overall["tn"], overall["tp"], overall["known"]) == (1, 1, 2)
    assert overall["weeks"] == [{"week": "2026-W10", **report.overall.tally.to_json()}]
