"""A candidate model against the approved one on the newest labelled builds (issue 19).

Both models score the same rows. A probability becomes a decision the way decide-strategy
makes one with a model (``decision_score.model_contributors``): points = the policy's
``weights.model.score_offset`` + ``score_scale`` x the calibrated log-odds, plus the service's
``score_shift``, rounded half up and clamped, then the policy's bucket and manual approval.
The criticality, hardware and per-OS modifiers are not replayed (the backtest's rule too; they
are the same for both models). From there on every figure and every move is policy diff's
(``risk/policy/diff.py``): CURRENT plays OLD, CANDIDATE plays NEW.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from cipipe import __version__
from cipipe.contracts.backtest import AtTopRow
from cipipe.contracts.model_compare import ModelCompare, ModelFigures, ModelRef, Quality, Window
from cipipe.contracts.policy_diff import Figures, PolicyRef
from cipipe.risk.backtest.replay import Provenance, Replay, approval_thresholds, bucket_index
from cipipe.risk.heuristic_columns import clamp_scores, round_points
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.metrics import GATED_FRACTIONS, at_top, auc, brier, ece
from cipipe.risk.model import ModelError
from cipipe.risk.model.features import PLATFORM_PREFIX
from cipipe.risk.model.history_audit import metadata_digest
from cipipe.risk.model.scoring import ScoringModel
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.policy.diff import (
    DEFAULT_TOP,
    GROUPINGS,
    Side,
    changed_rows,
    figures,
    grouped,
    largest_moves,
    move_counts,
)

Floats = NDArray[np.float64]
DEFAULT_LAST = 500


@dataclass(frozen=True)
class Scored:
    """One model's probabilities over the rows and the decisions they make."""

    model: ScoringModel
    probability: Floats
    side: Side


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def newest(table: HistoryTable, last: int | None, since: datetime | None) -> HistoryTable:
    """The newest ``last`` rows, of those that started at or after ``since`` (oldest first)."""
    keep = np.arange(len(table))
    if since is not None:
        keep = keep[table.times >= since.timestamp()]
    if last is not None:
        keep = keep[max(0, len(keep) - last) :]
    return table.take(keep)


def model_points(logits: Floats, table: HistoryTable, bundle: PolicyBundle) -> Floats:
    """The decision's points before the clamp: offset + scale x log-odds + the service shift."""
    reference = bundle.weights.model
    points = reference.score_offset + reference.score_scale * logits
    services = table.groups.get("service")
    shifts = {n: float(o.score_shift) for n, o in bundle.thresholds.services.items()}
    if services is not None and any(shifts.values()):
        points = points + np.array([shifts.get(s, 0.0) for s in services])
    return round_points(points)


def _columns(model: ScoringModel, table: HistoryTable) -> dict[str, Floats]:
    """The model's inputs; a platform no compared build targeted is 0 (as at decision time)."""
    columns = dict(table.features)
    for name in model.features:
        if name.startswith(PLATFORM_PREFIX) and name not in columns:
            columns[name] = np.zeros(len(table), dtype=np.float64)
    return columns


def score(model: ScoringModel, table: HistoryTable, bundle: PolicyBundle) -> Scored:
    columns = _columns(model, table)
    missing = [f for f in model.features if f not in columns]
    if missing:
        raise ModelError(
            f"history lacks feature {missing[0]!r} that model {model.version} needs",
            file=table.source,
            field=missing[0],
        )
    logits = model.logits(columns)
    before = model_points(logits, table, bundle)
    scores = clamp_scores(before, bundle)
    run = Replay(scores, before, approval_thresholds(table, bundle), table.labels, table.times)
    bucket = bucket_index(scores, bundle)
    strategies = np.array([b.strategy for b in bundle.mapping.buckets])
    side = Side(bundle, run, bucket, strategies[bucket], scores >= run.approval_at)
    probability = np.asarray(0.5 * (1.0 + np.tanh(0.5 * logits)), dtype=np.float64)
    return Scored(model, probability, side)


def quality(labels: NDArray[np.int8], probability: Floats) -> Quality:
    some = len(labels) > 0
    return Quality(
        auc=auc(labels, probability),
        brier=brier(labels, probability) if some else None,
        ece=ece(labels, probability) if some else None,
        at_top=[
            AtTopRow(fraction=t.fraction, gated=t.gated, precision=t.precision, recall=t.recall)
            for t in (at_top(labels, probability, f) for f in GATED_FRACTIONS)
        ],
    )


def _with_quality(
    f: Figures, current: Scored, candidate: Scored, rows: NDArray[np.bool_]
) -> ModelFigures:
    labels = current.side.run.labels[rows]
    return ModelFigures(
        **dict(f),
        quality_before=quality(labels, current.probability[rows]),
        quality_after=quality(labels, candidate.probability[rows]),
    )


def _grouped(
    table: HistoryTable, current: Scored, candidate: Scored, changed: NDArray[np.bool_], column: str
) -> dict[str, ModelFigures]:
    plain = grouped(table, current.side, candidate.side, changed, column)
    keys = np.array(table.groups.get(column, []))
    return {name: _with_quality(f, current, candidate, keys == name) for name, f in plain.items()}


def model_ref(model: ScoringModel, state: str) -> ModelRef:
    created = model.metadata.get("created_at")
    return ModelRef(
        version=model.version,
        state=state,
        created_at=str(created) if created is not None else None,
        features=list(model.features),
        metadata_sha256=metadata_digest(model.metadata),
    )


@dataclass(frozen=True)
class Compared:
    """What the comparison names besides the rows: both models, the policy, the window."""

    candidate: ScoringModel
    candidate_state: str
    current: ScoringModel
    current_state: str
    current_from: str
    bundle: PolicyBundle
    policy: PolicyRef
    last: int | None
    since: datetime | None
    from_db: bool


def compare(
    table: HistoryTable,
    what: Compared,
    provenance: Provenance,
    *,
    now: datetime,
    top: int = DEFAULT_TOP,
) -> ModelCompare:
    """The whole model-compare.json, without the --fail-if conditions; ``table`` is the rows
    already cut to the window (``newest``)."""
    if not len(table):
        raise ModelError("no labelled builds to compare the models on", file=table.source)
    current = score(what.current, table, what.bundle)
    candidate = score(what.candidate, table, what.bundle)
    changed = changed_rows(current.side, candidate.side)
    everything = np.ones(len(table), dtype=np.bool_)
    overall = figures(current.side, candidate.side, changed)
    groups = {c: _grouped(table, current, candidate, changed, c) for c in GROUPINGS}
    return ModelCompare(
        source=table.source,
        from_db=what.from_db,
        candidate=model_ref(what.candidate, what.candidate_state),
        current=model_ref(what.current, what.current_state),
        current_from="policy" if what.current_from == "policy" else "argument",
        policy=what.policy,
        cipipe_version=__version__,
        created_at=now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        window=Window(
            last=what.last,
            since=what.since.astimezone(UTC).isoformat() if what.since else None,
            first=_stamp(float(table.times[0])),
            newest=_stamp(float(table.times[-1])),
        ),
        rows_read=provenance.rows_read,
        rows=len(table),
        label_lag_seconds=provenance.label_lag_seconds,
        excluded_by_label_lag=provenance.excluded_by_label_lag,
        unlabelled_excluded=provenance.unlabelled_excluded,
        changed_decisions=int(changed.sum()),
        changed_fraction=float(changed.mean()),
        moves=move_counts(current.side, candidate.side, changed),
        top=top,
        largest_moves=largest_moves(table, current.side, candidate.side, changed, top),
        overall=_with_quality(overall, current, candidate, everything),
        by_service=groups["service"],
        by_platform=groups["platform"],
        not_in_history=[c for c in GROUPINGS if c not in table.groups],
    )


def services_from_ids(table: HistoryTable) -> HistoryTable:
    """The store's rows are named SERVICE/BUILD (``store_features.store_history``): their
    service becomes the grouping the per-service figures read."""
    if "service" in table.groups:
        return table
    names = [i.split("/", 1)[0] for i in table.ids]
    return replace(table, groups={**table.groups, "service": names})
