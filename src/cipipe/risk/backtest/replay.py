"""Replay the risk heuristic over labelled history and say how it would have done (seed E).

Rows are replayed oldest first (the history table is sorted by time). Each row gets the
heuristic's integer score (``heuristic_columns``), the policy's bucket for it, and a positive
call when the policy would have slowed the release down: blue-green, or a score at or above
the service's manual_approval_at. The call is then compared with the outcome label.

Costs are per week of history: the good releases that would have gone blue-green, and those
that would have waited for a manual approval, divided by the span of the time column in
weeks (at least one week, so a short history does not inflate them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cipipe import __version__
from cipipe.contracts.backtest import AtTopRow, Backtest, BadRowOut, BucketOutcomes, Performance
from cipipe.risk.heuristic_columns import NOT_REPLAYED, clamp_scores, plan
from cipipe.risk.heuristic_columns import score_before_clamp_columns as before_clamp
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.metrics import GATED_FRACTIONS, at_top, auc
from cipipe.risk.policy.bundle import PolicyBundle

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
WEEK = 7 * 86400
BAD_ROW_EXAMPLES = 20


@dataclass(frozen=True)
class Replay:
    """Per row, oldest first: the score, the policy's call, and what happened."""

    scores: Ints
    before_clamp: NDArray[np.float64]
    approval_at: Ints
    labels: NDArray[np.int8]
    times: NDArray[np.float64]

    def take(self, mask: Bools) -> Replay:
        return Replay(
            self.scores[mask],
            self.before_clamp[mask],
            self.approval_at[mask],
            self.labels[mask],
            self.times[mask],
        )


def _services(table: HistoryTable) -> list[str] | None:
    return table.groups.get("service")


def replay(
    table: HistoryTable, bundle: PolicyBundle, *, criticality: Sequence[str] | None = None
) -> Replay:
    services = _services(table)
    before = before_clamp(table.features, bundle, criticality=criticality, services=services)
    approval = approval_thresholds(table, bundle)
    return Replay(clamp_scores(before, bundle), before, approval, table.labels, table.times)


def approval_thresholds(table: HistoryTable, bundle: PolicyBundle) -> Ints:
    """Per row, the score at which the row's service needs a manual approval."""
    services = _services(table)
    default = bundle.mapping.manual_approval_at
    overrides = {
        name: o.manual_approval_at
        for name, o in bundle.thresholds.services.items()
        if o.manual_approval_at is not None
    }
    if services is None or not overrides:
        return np.full(len(table), default, dtype=np.int64)
    return np.array([overrides.get(s, default) for s in services], dtype=np.int64)


def bucket_index(scores: Ints, bundle: PolicyBundle) -> Ints:
    mins = np.array([b.min for b in bundle.mapping.buckets])
    return np.searchsorted(mins, scores, side="right").astype(np.int64) - 1


def positive_calls(run: Replay, bundle: PolicyBundle) -> tuple[Bools, Bools]:
    """(blue-green by bucket, manual approval) per row."""
    strategies = np.array([b.strategy for b in bundle.mapping.buckets])
    blue_green = strategies[bucket_index(run.scores, bundle)] == "blue-green"
    return blue_green, run.scores >= run.approval_at


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def weeks(times: NDArray[np.float64]) -> float:
    span = float(times.max() - times.min()) if len(times) else 0.0
    return max(1.0, span / WEEK)


def performance(run: Replay, bundle: PolicyBundle) -> Performance:
    blue_green, approval = positive_calls(run, bundle)
    called = blue_green | approval
    failed = run.labels == 1
    index = bucket_index(run.scores, bundle)
    buckets = []
    for i, b in enumerate(bundle.mapping.buckets):
        here = index == i
        bad = int((here & failed).sum())
        buckets.append(
            BucketOutcomes(
                strategy=b.strategy,
                min=b.min,
                max=b.max,
                releases=int(here.sum()),
                failed=bad,
                ok=int(here.sum()) - bad,
            )
        )
    tp, fp = int((called & failed).sum()), int((called & ~failed).sum())
    fn, tn = int((~called & failed).sum()), int((~called & ~failed).sum())
    span = weeks(run.times)
    scores = run.scores.astype(np.float64)
    return Performance(
        releases=len(run.labels),
        failures=int(failed.sum()),
        buckets=buckets,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        tpr=_rate(tp, tp + fn),
        fpr=_rate(fp, fp + tn),
        precision=_rate(tp, tp + fp),
        auc=auc(run.labels, scores),
        auc_before_clamp=auc(run.labels, run.before_clamp),
        at_top=[
            AtTopRow(
                fraction=top.fraction, gated=top.gated, precision=top.precision, recall=top.recall
            )
            for top in (at_top(run.labels, scores, f) for f in GATED_FRACTIONS)
        ],
        weeks=round(span, 4),
        unnecessary_blue_green_per_week=round(int((blue_green & ~failed).sum()) / span, 4),
        unnecessary_manual_approvals_per_week=round(int((approval & ~failed).sum()) / span, 4),
    )


def by_group(
    table: HistoryTable, run: Replay, bundle: PolicyBundle, column: str
) -> dict[str, Performance]:
    values = table.groups.get(column)
    if values is None:
        return {}
    keys = np.array(values)
    return {name: performance(run.take(keys == name), bundle) for name in sorted(set(values))}


@dataclass(frozen=True)
class Provenance:
    """Where the rows came from and which were left out before the replay."""

    label: str
    time: str
    rows_read: int
    label_lag_seconds: int = 0
    excluded_by_label_lag: int = 0
    unlabelled_excluded: int = 0


def backtest(
    table: HistoryTable,
    bundle: PolicyBundle,
    provenance: Provenance,
    *,
    criticality: Sequence[str] | None = None,
) -> Backtest:
    """The whole backtest.json, without tuning (see ``tune.tune``)."""
    run = replay(table, bundle, criticality=criticality)
    columns = plan(table.features)
    return Backtest(
        source=table.source,
        policy_version=bundle.version_id,
        policy_source=bundle.origin,
        cipipe_version=__version__,
        label=provenance.label,
        time=provenance.time,
        rows_read=provenance.rows_read,
        rows=len(table),
        bad_rows=len(table.bad_rows),
        bad_row_examples=[
            BadRowOut(row=b.row, reason=b.reason) for b in table.bad_rows[:BAD_ROW_EXAMPLES]
        ],
        label_lag_seconds=provenance.label_lag_seconds,
        excluded_by_label_lag=provenance.excluded_by_label_lag,
        unlabelled_excluded=provenance.unlabelled_excluded,
        features_used={k: list(v) for k, v in columns.used.items()},
        features_not_in_history=columns.absent,
        modifiers_not_replayed=list(NOT_REPLAYED),
        overall=performance(run, bundle),
        by_service=by_group(table, run, bundle, "service"),
        by_platform=by_group(table, run, bundle, "platform"),
    )
