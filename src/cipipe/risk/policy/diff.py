"""What a policy change would have changed: both bundles replayed over the same history.

Each bundle is replayed with the backtest's own ``replay`` and judged with its ``performance``
(risk/backtest/replay.py), so a diff's "before" is exactly what ``cipipe backtest --policy OLD``
reports. A release's decision is its bucket's strategy and whether its score needs a manual
approval; a move is a release whose decision differs between the two bundles.

The largest moves are ordered by how far the score moved, then how many buckets it crossed,
then time (oldest first): the same rows in the same order whichever bundle is called old, so
diff(B, A) lists diff(A, B)'s moves reversed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cipipe import __version__
from cipipe.contracts.policy_diff import (
    EnforcementChange,
    Figures,
    Move,
    MoveCount,
    PolicyDiff,
    PolicyRef,
    ServiceThreshold,
)
from cipipe.risk.backtest.replay import (
    Provenance,
    Replay,
    bucket_index,
    by_group,
    performance,
    replay,
)
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.policy.bundle import PolicyBundle

DEFAULT_TOP = 20
GROUPINGS = ("service", "platform")


@dataclass(frozen=True)
class Side:
    """One bundle's replay and its decision per row."""

    bundle: PolicyBundle
    run: Replay
    bucket: NDArray[np.int64]
    strategy: NDArray[np.str_]
    approval: NDArray[np.bool_]

    @classmethod
    def of(
        cls, table: HistoryTable, bundle: PolicyBundle, criticality: Sequence[str] | None
    ) -> Side:
        run = replay(table, bundle, criticality=criticality)
        bucket = bucket_index(run.scores, bundle)
        strategies = np.array([b.strategy for b in bundle.mapping.buckets])
        return cls(bundle, run, bucket, strategies[bucket], run.scores >= run.approval_at)

    def bucket_name(self, row: int) -> str:
        b = self.bundle.mapping.buckets[int(self.bucket[row])]
        return f"{b.strategy} {b.min}-{b.max}"


def changed_rows(old: Side, new: Side) -> NDArray[np.bool_]:
    """Per row: the strategy or the manual approval differs."""
    changed: NDArray[np.bool_] = (old.strategy != new.strategy) | (old.approval != new.approval)
    return changed


def move_counts(old: Side, new: Side, changed: NDArray[np.bool_]) -> list[MoveCount]:
    counts = Counter(
        (str(old.strategy[i]), bool(old.approval[i]), str(new.strategy[i]), bool(new.approval[i]))
        for i in np.flatnonzero(changed)
    )
    return [
        MoveCount(from_strategy=a, from_approval=a_ok, to_strategy=b, to_approval=b_ok, count=count)
        for (a, a_ok, b, b_ok), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _group_value(table: HistoryTable, column: str, row: int) -> str | None:
    values = table.groups.get(column)
    return values[row] if values is not None else None


def largest_moves(
    table: HistoryTable, old: Side, new: Side, changed: NDArray[np.bool_], top: int
) -> list[Move]:
    rows = np.flatnonzero(changed)
    score_change = np.abs(new.run.scores - old.run.scores)[rows]
    bucket_change = np.abs(new.bucket - old.bucket)[rows]
    # lexsort sorts by the last key first: score change, then buckets crossed, then time.
    order = rows[np.lexsort((rows, -bucket_change, -score_change))][:top]
    return [
        Move(
            build=table.ids[i],
            service=_group_value(table, "service", i),
            platform=_group_value(table, "platform", i),
            score_before=int(old.run.scores[i]),
            score_after=int(new.run.scores[i]),
            score_change=int(new.run.scores[i] - old.run.scores[i]),
            bucket_before=old.bucket_name(i),
            bucket_after=new.bucket_name(i),
            approval_before=bool(old.approval[i]),
            approval_after=bool(new.approval[i]),
        )
        for i in order
    ]


def figures(old: Side, new: Side, changed: NDArray[np.bool_]) -> Figures:
    return Figures(
        releases=len(changed),
        changed_decisions=int(changed.sum()),
        before=performance(old.run, old.bundle),
        after=performance(new.run, new.bundle),
    )


def grouped(
    table: HistoryTable, old: Side, new: Side, changed: NDArray[np.bool_], column: str
) -> dict[str, Figures]:
    values = table.groups.get(column)
    if values is None:
        return {}
    before = by_group(table, old.run, old.bundle, column)
    after = by_group(table, new.run, new.bundle, column)
    keys = np.array(values)
    return {
        name: Figures(
            releases=before[name].releases,
            changed_decisions=int(changed[keys == name].sum()),
            before=before[name],
            after=after[name],
        )
        for name in before
    }


def service_rates(bundle: PolicyBundle) -> dict[str, float]:
    """The per-service max_false_positive_rate overrides."""
    return {
        name: o.max_false_positive_rate
        for name, o in bundle.thresholds.services.items()
        if o.max_false_positive_rate is not None
    }


def _meets(fpr: float | None, limit: float) -> bool | None:
    return None if fpr is None else fpr <= limit


def enforcement_change(
    old: PolicyBundle, new: PolicyBundle, services: dict[str, Figures]
) -> EnforcementChange:
    default_old = old.thresholds.enforcement.max_false_positive_rate
    default_new = new.thresholds.enforcement.max_false_positive_rate
    rates_old, rates_new = service_rates(old), service_rates(new)
    rows = []
    for name, f in services.items():
        limit_old, limit_new = rates_old.get(name, default_old), rates_new.get(name, default_new)
        rows.append(
            ServiceThreshold(
                service=name,
                releases=f.releases,
                max_fpr_before=limit_old,
                max_fpr_after=limit_new,
                fpr_before=f.before.fpr,
                fpr_after=f.after.fpr,
                meets_before=_meets(f.before.fpr, limit_old),
                meets_after=_meets(f.after.fpr, limit_new),
            )
        )
    return EnforcementChange(
        max_fpr_before=default_old,
        max_fpr_after=default_new,
        overrides_before=rates_old,
        overrides_after=rates_new,
        services=rows,
    )


def policy_ref(bundle: PolicyBundle, spec: str) -> PolicyRef:
    return PolicyRef(
        spec=spec, version=bundle.version_id, source=bundle.origin, commit=bundle.git_commit
    )


@dataclass(frozen=True)
class Bundles:
    """The two bundles and what was given for each (credentials already stripped)."""

    old: PolicyBundle
    new: PolicyBundle
    old_spec: str
    new_spec: str


def policy_diff(
    table: HistoryTable,
    bundles: Bundles,
    provenance: Provenance,
    *,
    criticality: Sequence[str] | None = None,
    top: int = DEFAULT_TOP,
) -> PolicyDiff:
    """The whole policy-diff.json, without the --fail-if conditions (see ``diff_gate``)."""
    old = Side.of(table, bundles.old, criticality)
    new = Side.of(table, bundles.new, criticality)
    changed = changed_rows(old, new)
    groups = {column: grouped(table, old, new, changed, column) for column in GROUPINGS}
    return PolicyDiff(
        source=table.source,
        old=policy_ref(bundles.old, bundles.old_spec),
        new=policy_ref(bundles.new, bundles.new_spec),
        cipipe_version=__version__,
        label=provenance.label,
        time=provenance.time,
        rows_read=provenance.rows_read,
        rows=len(table),
        bad_rows=len(table.bad_rows),
        label_lag_seconds=provenance.label_lag_seconds,
        excluded_by_label_lag=provenance.excluded_by_label_lag,
        unlabelled_excluded=provenance.unlabelled_excluded,
        changed_decisions=int(changed.sum()),
        changed_fraction=float(changed.mean()) if len(table) else None,
        moves=move_counts(old, new, changed),
        top=top,
        largest_moves=largest_moves(table, old, new, changed, top),
        overall=figures(old, new, changed),
        by_service=groups["service"],
        by_platform=groups["platform"],
        not_in_history=[c for c in GROUPINGS if c not in table.groups],
        enforcement=enforcement_change(bundles.old, bundles.new, groups["service"]),
    )
