"""Propose bucket edges from a backtest (seed Step 3 E, ``cipipe backtest --tune``).

The method, on the replayed integer scores (0-100) of the history:

1. Blue-green edge E: the smallest integer edge in 2..100 whose positive call (score >= E,
   or at or above a service's own manual_approval_at) has a false-positive rate at or below
   ``target_fpr``. The FPR only falls as E rises, so the smallest such E keeps the most
   recall. When even 100 misses the target, E is 100 and ``met`` is false.
2. Canary edge: the current one when it still leaves rolling and canary non-empty below E,
   else moved in proportion (c x E / E_now), kept within 1..E-1.
3. manual_approval_at: the same distance into the blue-green bucket as now, scaled to the
   new bucket's width, and never below E (so the positive call stays "score >= E").
4. Per service (at least ``MIN_SERVICE_ROWS`` rows with both outcomes): a high-criticality
   service (one the policy lists under ``services:``) with ``target_recall`` gets the largest
   edge that still catches that share of its failures; any other service the smallest edge
   meeting its ``max_false_positive_rate`` (else ``target_fpr``). The service reaches its
   edge through ``score_shift`` = current + (E - edge), within 0..50, since a shift raises
   every score of the service by that many points (exactly, short of the clamp at 100).

``after`` is the replay under every proposed change together (buckets, approval, shifts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from cipipe.contracts.backtest import BucketEdge, ServiceTuning, Tuning
from cipipe.risk.backtest.replay import Bools, Ints, performance, replay
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.policy.models import BucketPolicy, StrategyMapping
from cipipe.risk.policy.thresholds import ServiceOverride

EDGES = range(2, 101)
MIN_SERVICE_ROWS = 30
MAX_SHIFT = 50
NO_OVERRIDE = 101
Labels = NDArray[np.int8]
METHOD = (
    "blue-green edge: the smallest integer score whose positive call has FPR <= target "
    "(the most recall); canary edge kept, or scaled when no longer below it; "
    "manual_approval_at scaled into the new blue-green bucket (never below its edge); per "
    "service, score_shift moves the service to its own edge (the recall target for services "
    "the policy lists, else its max_false_positive_rate)"
)


def _called(scores: Ints, edge: int, overrides: Ints) -> Bools:
    return (scores >= edge) | (scores >= overrides)


def _rates(called: Bools, labels: Labels) -> tuple[float, float]:
    failed = labels == 1
    positives, negatives = int(failed.sum()), int((~failed).sum())
    fpr = int((called & ~failed).sum()) / negatives if negatives else 0.0
    tpr = int((called & failed).sum()) / positives if positives else 0.0
    return fpr, tpr


def edge_for_fpr(scores: Ints, labels: Labels, target: float, overrides: Ints) -> tuple[int, bool]:
    for edge in EDGES:
        if _rates(_called(scores, edge, overrides), labels)[0] <= target:
            return edge, True
    return EDGES[-1], False


def edge_for_recall(scores: Ints, labels: Labels, target: float) -> tuple[int, bool]:
    none = np.full(len(scores), NO_OVERRIDE)
    for edge in reversed(EDGES):
        if _rates(_called(scores, edge, none), labels)[1] >= target:
            return edge, True
    return EDGES[0], False


def _current_edges(bundle: PolicyBundle) -> tuple[int, int]:
    """(canary min, blue-green min) of the policy now."""
    buckets = bundle.mapping.buckets
    blue = next((b.min for b in buckets if b.strategy == "blue-green"), 100)
    canary = next((b.min for b in buckets if b.strategy == "canary"), max(1, blue // 2))
    return canary, blue


def proposed_edges(bundle: PolicyBundle, edge: int) -> tuple[list[BucketEdge], int]:
    canary_now, blue_now = _current_edges(bundle)
    canary = canary_now
    if not 1 <= canary <= edge - 1:
        canary = min(edge - 1, max(1, round(canary_now * edge / max(1, blue_now))))
    buckets = [
        BucketEdge(strategy="rolling", min=0, max=canary - 1),
        BucketEdge(strategy="canary", min=canary, max=edge - 1),
        BucketEdge(strategy="blue-green", min=edge, max=100),
    ]
    depth = bundle.mapping.manual_approval_at - blue_now
    width_now, width = max(1, 100 - blue_now), 100 - edge
    approval = min(100, max(edge, edge + round(depth * width / width_now)))
    return buckets, approval


def proposed_bundle(
    bundle: PolicyBundle, buckets: list[BucketEdge], approval: int, shifts: dict[str, int]
) -> PolicyBundle:
    """The bundle with the proposal applied; the buckets pass the policy's own validator
    (in order, 0-100, no gap, no overlap) and every value its bounds."""
    checked = TypeAdapter(
        Annotated[list[BucketPolicy], *StrategyMapping.model_fields["buckets"].metadata]
    ).validate_python([b.model_dump() for b in buckets])
    limits = StrategyMapping.model_fields["manual_approval_at"].metadata
    TypeAdapter(Annotated[int, *limits]).validate_python(approval)
    services = dict(bundle.thresholds.services)
    for name, shift in shifts.items():
        ServiceOverride(score_shift=shift)  # its bounds
        services[name] = services.get(name, ServiceOverride()).model_copy(
            update={"score_shift": shift}
        )
    return replace(
        bundle,
        mapping=bundle.mapping.model_copy(
            update={"buckets": checked, "manual_approval_at": approval}
        ),
        thresholds=bundle.thresholds.model_copy(update={"services": services}),
        version_id="proposed",
    )


def _override_thresholds(table: HistoryTable, bundle: PolicyBundle) -> Ints:
    services = table.groups.get("service")
    overrides = {
        n: o.manual_approval_at
        for n, o in bundle.thresholds.services.items()
        if o.manual_approval_at is not None
    }
    if services is None or not overrides:
        return np.full(len(table), NO_OVERRIDE, dtype=np.int64)
    return np.array([overrides.get(s, NO_OVERRIDE) for s in services], dtype=np.int64)


def _services(
    table: HistoryTable,
    scores: Ints,
    bundle: PolicyBundle,
    edge: int,
    target_fpr: float,
    target_recall: float | None,
) -> list[ServiceTuning]:
    names = table.groups.get("service")
    if names is None:
        return []
    keys, labels = np.array(names), table.labels
    policy = bundle.thresholds.services
    none = np.full(len(table), NO_OVERRIDE, dtype=np.int64)
    result = []
    for name in sorted(set(names)):
        mask = keys == name
        failures = int(labels[mask].sum())
        if mask.sum() < MIN_SERVICE_ROWS or failures in (0, int(mask.sum())):
            continue
        override = policy.get(name)
        if override is not None and target_recall is not None:
            method, target = "recall", target_recall
            own, met = edge_for_recall(scores[mask], labels[mask], target)
        else:
            method = "fpr"
            rate = override.max_false_positive_rate if override is not None else None
            target = rate if rate is not None else target_fpr
            own, met = edge_for_fpr(scores[mask], labels[mask], target, none[mask])
        fpr, tpr = _rates(scores[mask] >= own, labels[mask])
        current = override.score_shift if override is not None else 0
        result.append(
            ServiceTuning(
                service=name,
                releases=int(mask.sum()),
                failures=failures,
                method=method,
                target=target,
                edge=own,
                met=met,
                fpr=round(fpr, 6),
                tpr=round(tpr, 6),
                current_score_shift=current,
                proposed_score_shift=min(MAX_SHIFT, max(0, current + edge - own)),
            )
        )
    return result


def tune(
    table: HistoryTable,
    bundle: PolicyBundle,
    target_fpr: float = 0.1,
    *,
    target_recall: float | None = None,
    criticality: Sequence[str] | None = None,
) -> Tuning:
    run = replay(table, bundle, criticality=criticality)
    edge, met = edge_for_fpr(
        run.scores, run.labels, target_fpr, _override_thresholds(table, bundle)
    )
    buckets, approval = proposed_edges(bundle, edge)
    services = _services(table, run.scores, bundle, edge, target_fpr, target_recall)
    shifts = {
        s.service: s.proposed_score_shift
        for s in services
        if s.proposed_score_shift != s.current_score_shift
    }
    edges_only = proposed_bundle(bundle, buckets, approval, {})
    after = proposed_bundle(bundle, buckets, approval, shifts)
    return Tuning(
        target_fpr=target_fpr,
        target_recall=target_recall,
        method=METHOD,
        met=met,
        buckets=buckets,
        manual_approval_at=approval,
        before=performance(run, bundle),
        after_buckets_only=performance(
            replay(table, edges_only, criticality=criticality), edges_only
        ),
        after=performance(replay(table, after, criticality=criticality), after),
        services=services,
    )
