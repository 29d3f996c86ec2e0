"""policy diff on hand-made histories where every move can be counted by hand, the --fail-if
language, and the symmetry of a diff (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.contracts.policy_diff import PolicyDiff
from cipipe.errors import InputError
from cipipe.risk.backtest.replay import Provenance, backtest
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.policy.bundle import PolicyBundle, load_policy_bundle
from cipipe.risk.policy.diff import Bundles, policy_diff
from cipipe.risk.policy.diff_gate import METRICS, OPERATORS, check_all, held_message, parse
from cipipe.risk.policy.diff_report import markdown
from cipipe.risk.policy.models import BucketPolicy
from tests.conftest import REPO_ROOT
from tests.risk.histories import scored_table

# Shipped: rolling 0-30, canary 31-70, blue-green 71-100; approval at 85 (payments and auth
# 75, score_shift 10); max FPR 0.10 (payments 0.20). orders and search have no override.
SHIPPED = load_policy_bundle(REPO_ROOT / "policies", in_git=False)


def edited(
    bundle: PolicyBundle,
    *,
    edges: tuple[int, int] | None = None,
    approval_at: int | None = None,
    max_fpr: float | None = None,
    shifts: dict[str, int] | None = None,
    name: str = "new",
) -> PolicyBundle:
    """``bundle`` with rolling ending at edges[0] and canary at edges[1], and the rest."""
    mapping, thresholds = bundle.mapping, bundle.thresholds
    if edges is not None:
        low, high = edges
        buckets = [
            BucketPolicy(strategy="rolling", min=0, max=low),
            BucketPolicy(strategy="canary", min=low + 1, max=high),
            BucketPolicy(strategy="blue-green", min=high + 1, max=100),
        ]
        mapping = mapping.model_copy(update={"buckets": buckets})
    if approval_at is not None:
        mapping = mapping.model_copy(update={"manual_approval_at": approval_at})
    if max_fpr is not None:
        enforcement = thresholds.enforcement.model_copy(update={"max_false_positive_rate": max_fpr})
        thresholds = thresholds.model_copy(update={"enforcement": enforcement})
    if shifts is not None:
        services = dict(thresholds.services)
        for service, shift in shifts.items():
            services[service] = services[service].model_copy(update={"score_shift": shift})
        thresholds = thresholds.model_copy(update={"services": services})
    return replace(bundle, mapping=mapping, thresholds=thresholds, version_id=f"sha256:{name}")


def diff(table: HistoryTable, old: PolicyBundle, new: PolicyBundle, *, top: int = 20) -> PolicyDiff:
    bundles = Bundles(old, new, "old", "new")
    return policy_diff(table, bundles, Provenance("failed", "time", len(table)), top=top)


def moves(result: PolicyDiff) -> dict[tuple[str, bool, str, bool], int]:
    return {
        (m.from_strategy, m.from_approval, m.to_strategy, m.to_approval): m.count
        for m in result.moves
    }


SCORES = [0, 10, 29, 30, 31, 35, 40, 41, 50, 75, 90]
LABELS = [0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0]


def test_raising_an_edge_moves_exactly_the_rows_between_the_old_and_new_edge() -> None:
    table = scored_table(SCORES, LABELS, service=["orders"] * len(SCORES))
    result = diff(table, SHIPPED, edited(SHIPPED, edges=(40, 70)))
    # 31, 35 and 40 were canary (31-70) and are rolling (0-40) now; nothing else moves.
    assert moves(result) == {("canary", False, "rolling", False): 3}
    assert result.changed_decisions == 3 and result.changed_fraction == 3 / 11
    assert [m.build for m in result.largest_moves] == ["5", "6", "7"]  # row numbers
    first = result.largest_moves[0]
    assert (first.score_before, first.score_after, first.score_change) == (31, 31, 0)
    assert (first.bucket_before, first.bucket_after) == ("canary 31-70", "rolling 0-40")
    # Canary and rolling are both negative calls: TPR and FPR do not change; buckets do.
    before, after = result.overall.before, result.overall.after
    assert (before.tp, before.fp, before.tn, before.fn) == (after.tp, after.fp, after.tn, after.fn)
    assert [(b.strategy, b.releases) for b in after.buckets] == [
        ("rolling", 7),
        ("canary", 2),
        ("blue-green", 2),
    ]
    assert result.by_service["orders"].changed_decisions == 3


def test_a_lower_approval_turns_canaries_into_positive_calls() -> None:
    table = scored_table(SCORES, LABELS, service=["orders"] * len(SCORES))
    result = diff(table, SHIPPED, edited(SHIPPED, approval_at=50))
    # 50 (canary, failed) now waits for approval; 75 (blue-green) gains one too; 90 had one.
    assert moves(result) == {
        ("canary", False, "canary", True): 1,
        ("blue-green", False, "blue-green", True): 1,
    }
    before, after = result.overall.before, result.overall.after
    # Positives (failed): 30, 35, 50, 75. Before: 75 (blue-green) -> TPR 1/4; after 50 too.
    assert (before.tp, after.tp) == (1, 2)
    assert (before.tpr, after.tpr) == (0.25, 0.5)
    # Negatives: 0, 10, 29, 31, 40, 41, 90; 90 is blue-green in both.
    assert (before.fpr, after.fpr) == (1 / 7, 1 / 7)


def test_identical_bundles_change_nothing() -> None:
    table = scored_table(SCORES, LABELS, service=["orders", "payments"] * 5 + ["search"])
    result = diff(table, SHIPPED, SHIPPED)
    assert result.moves == [] and result.largest_moves == []
    assert result.changed_decisions == 0 and result.changed_fraction == 0
    assert result.overall.before == result.overall.after
    for figures in result.by_service.values():
        assert figures.before == figures.after and figures.changed_decisions == 0
    assert all(s.meets_before == s.meets_after for s in result.enforcement.services)
    assert "No decision changes." in markdown(result)


def test_before_is_what_a_backtest_of_old_reports() -> None:
    table = scored_table(SCORES, LABELS, service=["orders", "search"] * 5 + ["search"])
    result = diff(table, SHIPPED, edited(SHIPPED, edges=(20, 60)))
    old = backtest(table, SHIPPED, Provenance("failed", "time", len(table)))
    assert result.overall.before == old.overall
    assert {k: v.before for k, v in result.by_service.items()} == old.by_service


def test_a_grouping_the_history_lacks_is_named_not_invented() -> None:
    table = scored_table(SCORES, LABELS, service=["orders"] * len(SCORES))
    result = diff(table, SHIPPED, edited(SHIPPED, edges=(40, 70)))
    assert result.not_in_history == ["platform"] and result.by_platform == {}
    assert all(m.platform is None for m in result.largest_moves)
    assert "Per platform: not in the history." in markdown(result)
    bare = diff(scored_table(SCORES, LABELS), SHIPPED, SHIPPED)
    assert bare.not_in_history == ["service", "platform"]
    assert bare.enforcement.services == []


def test_largest_moves_by_score_change_then_bounded_by_top() -> None:
    # orders gains 20 points, search 5: with edges (30, 70) a 25 in orders becomes 45
    # (rolling -> canary), a 28 in search 33.
    services = ["orders", "search", "orders", "search", "orders"]
    table = scored_table([25, 28, 60, 10, 5], [0, 1, 0, 0, 1], service=services)
    shifted = {"orders": 20, "search": 5}
    new = edited(_with_overrides(SHIPPED, shifted), name="shifted")
    result = diff(table, SHIPPED, new)
    # 25+20=45 canary; 28+5=33 canary; 60+20=80 blue-green; 10+5 stays rolling; 5+20=25 rolling.
    assert [(m.build, m.score_change) for m in result.largest_moves] == [
        ("1", 20),
        ("3", 20),
        ("2", 5),
    ]
    assert moves(result) == {
        ("rolling", False, "canary", False): 2,
        ("canary", False, "blue-green", False): 1,
    }
    assert [m.build for m in diff(table, SHIPPED, new, top=1).largest_moves] == ["1"]


def _with_overrides(bundle: PolicyBundle, shifts: dict[str, int]) -> PolicyBundle:
    from cipipe.risk.policy.thresholds import ServiceOverride

    services = {**bundle.thresholds.services}
    for name, shift in shifts.items():
        services[name] = ServiceOverride(score_shift=shift)
    thresholds = bundle.thresholds.model_copy(update={"services": services})
    return replace(bundle, thresholds=thresholds)


def test_enforcement_thresholds_before_and_after_per_service() -> None:
    # orders: negatives 0, 40, 75 (blue-green) -> FPR 1/3; search: negatives 10, 20 -> 0.
    # payments keeps its own 0.20 whatever the default says.
    services = ["orders", "orders", "orders", "search", "search", "orders", "payments"]
    table = scored_table([0, 40, 75, 10, 20, 90, 0], [0, 0, 0, 0, 0, 1, 0], service=services)
    result = diff(table, SHIPPED, edited(SHIPPED, max_fpr=0.4))
    e = result.enforcement
    assert (e.max_fpr_before, e.max_fpr_after) == (0.10, 0.4)
    assert e.overrides_before == e.overrides_after == {"payments": 0.20}
    rows = {s.service: s for s in e.services}
    assert (rows["orders"].fpr_before, rows["orders"].fpr_after) == (1 / 3, 1 / 3)
    assert (rows["orders"].meets_before, rows["orders"].meets_after) == (False, True)
    assert (rows["search"].meets_before, rows["search"].meets_after) == (True, True)
    assert (rows["payments"].max_fpr_before, rows["payments"].max_fpr_after) == (0.20, 0.20)
    assert (rows["orders"].max_fpr_before, rows["orders"].max_fpr_after) == (0.10, 0.4)


def test_an_fpr_over_no_good_release_meets_nothing() -> None:
    table = scored_table([90, 10], [1, 1], service=["orders", "orders"])
    row = diff(table, SHIPPED, SHIPPED).enforcement.services[0]
    assert row.fpr_before is None and row.meets_before is None


# ---- --fail-if -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lowered() -> PolicyDiff:
    """approval 85 -> 50 over SCORES: TPR 0.25 -> 0.5, FPR 1/7 both, 2 of 11 changed."""
    table = scored_table(SCORES, LABELS, service=["orders"] * 6 + ["search"] * 5)
    return diff(table, SHIPPED, edited(SHIPPED, approval_at=50))


def test_every_metric_reads_its_value(lowered: PolicyDiff) -> None:
    o = lowered.overall
    assert o.after.tpr == 0.5 and o.before.tpr == 0.25
    top = {row.fraction: row.recall for row in o.after.at_top}
    expected = {
        "fpr": 1 / 7,
        "tpr": 0.5,
        "precision": o.after.precision,
        "recall_at_5": top[0.05],
        "recall_at_10": top[0.10],
        "recall_at_20": top[0.20],
        "recall_at_50": top[0.50],
        "fpr_increase": 0.0,
        "recall_drop": -0.25,
        "changed_decisions": 2.0,
        "changed_fraction": 2 / 11,
    }
    assert set(expected) == set(METRICS)
    for metric, value in expected.items():
        [condition] = check_all([parse(f"{metric}>=-1")], lowered)
        assert condition.value == pytest.approx(value), metric
        assert condition.held


@pytest.mark.parametrize(
    ("expression", "held"),
    [
        ("tpr>0.5", False),
        ("tpr>0.4", True),
        ("tpr>=0.5", True),
        ("tpr>=0.6", False),
        ("tpr<0.6", True),
        ("tpr<0.5", False),
        ("tpr<=0.5", True),
        ("tpr<=0.4", False),
        ("tpr==0.5", True),
        ("tpr==0.25", False),
        ("tpr!=0.25", True),
        ("tpr!=0.5", False),
        (" recall_drop < -0.2 ", True),
        ("changed_decisions>1", True),
        ("changed_decisions>2", False),
        ("fpr[orders]>0.3", True),  # orders negatives 0, 10, 29, 31: none gated; see below
        ("changed_decisions[search]==2", True),
        ("changed_decisions[orders]==0", True),
        ("tpr>5e-1", False),
        ("tpr>.49", True),
    ],
)
def test_every_operator(lowered: PolicyDiff, expression: str, held: bool) -> None:
    if expression.startswith("fpr[orders]"):
        # orders: 0, 10, 29, 30(failed), 31, 35(failed): no positive call, FPR 0.
        held = False
    [condition] = check_all([parse(expression)], lowered)
    assert condition.held is held, expression
    assert condition.expression == expression.strip()


@pytest.mark.parametrize(
    "expression",
    ["fpr", "fpr>", ">0.1", "fpr=>0.1", "fpr>0.1x", "fpr>>0.1", "fpr>nan", "fpr[]>0.1",
     "fpr[a]b>0.1", "__import__('os')>1", "fpr>0.1;tpr<1", "FPR>0.1", ""],
)  # fmt: skip
def test_a_malformed_expression_is_bad_input_naming_it(expression: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(expression)
    assert caught.value.field == "--fail-if"
    assert repr(expression) in str(caught.value)


def test_an_unknown_metric_or_service_is_bad_input(lowered: PolicyDiff) -> None:
    with pytest.raises(InputError, match="unknown metric 'auc'"):
        parse("auc>0.5")
    with pytest.raises(InputError, match="service 'billing' is not in the history"):
        check_all([parse("fpr[billing]>0.1")], lowered)


def test_an_undefined_value_never_holds() -> None:
    table = scored_table([90, 10], [1, 1], service=["orders", "orders"])
    result = diff(table, SHIPPED, SHIPPED)
    conditions = check_all([parse("fpr>=0"), parse("fpr<1"), parse("fpr!=5")], result)
    assert [c.held for c in conditions] == [False, False, False]
    assert all(c.value is None for c in conditions)
    assert held_message(conditions) is None


def test_the_held_message_names_each_expression_and_value(lowered: PolicyDiff) -> None:
    conditions = check_all(
        [parse("tpr>0.4"), parse("fpr>0.5"), parse("changed_decisions>1")], lowered
    )
    message = held_message(conditions)
    assert message == "policy diff: --fail-if held: tpr>0.4 (0.5); changed_decisions>1 (2)"
    assert set(OPERATORS) == {">", ">=", "<", "<=", "==", "!="}


# ---- symmetry --------------------------------------------------------------------------------

SERVICE_NAMES = ("orders", "payments", "search")


@st.composite
def policies(draw: st.DrawFn) -> PolicyBundle:
    low = draw(st.integers(0, 97))
    high = draw(st.integers(low + 1, 99))
    approval = draw(st.integers(0, 100))
    # Per-service shifts move scores too, so the moves differ in size and direction.
    shifts = {name: draw(st.integers(0, 30)) for name in ("orders", "search")}
    bundle = edited(_with_overrides(SHIPPED, shifts), edges=(low, high), approval_at=approval)
    return replace(bundle, version_id=f"sha256:{low}-{high}-{approval}-{shifts}")


@st.composite
def histories(draw: st.DrawFn) -> HistoryTable:
    size = draw(st.integers(1, 30))
    scores = draw(st.lists(st.integers(0, 100), min_size=size, max_size=size))
    labels = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    services = draw(st.lists(st.sampled_from(SERVICE_NAMES), min_size=size, max_size=size))
    return scored_table(scores, labels, service=services)


def _reversed(result: PolicyDiff) -> dict[tuple[str, bool, str, bool], int]:
    return {(b, b_ok, a, a_ok): n for (a, a_ok, b, b_ok), n in moves(result).items()}


def _flipped(result: PolicyDiff) -> list[tuple[Any, ...]]:
    return [
        (m.build, m.score_after, m.score_before, m.bucket_after, m.bucket_before)
        for m in result.largest_moves
    ]


@settings(max_examples=60, deadline=None)
@given(histories(), policies(), policies())
def test_a_diff_with_itself_is_empty_and_swapping_reverses_the_moves(
    table: HistoryTable, a: PolicyBundle, b: PolicyBundle
) -> None:
    same = diff(table, a, a)
    assert same.moves == [] and same.changed_decisions == 0
    forward, backward = diff(table, a, b, top=5), diff(table, b, a, top=5)
    assert moves(backward) == _reversed(forward)
    assert forward.changed_decisions == backward.changed_decisions
    assert [
        (m.build, m.score_before, m.score_after, m.bucket_before, m.bucket_after)
        for m in backward.largest_moves
    ] == _flipped(forward)
    assert forward.overall.before == backward.overall.after
    assert np.isclose(forward.overall.changed_decisions, backward.overall.changed_decisions)
