"""How well a model scores a labelled history, against ranking by lines added, and whether it
has drifted since training (seed Step 3 I).

Drift: the newest window of the evaluated rows (the last 25 % by time, or the rows within
``window_seconds`` of the newest) is compared with the test metrics stored in model.json; AUC
falling by more than 0.05 or ECE rising by more than 0.05 is reported (and logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.history_table import HistoryTable
from cipipe.risk.metrics import GATED_FRACTIONS, at_top, auc, brier, ece
from cipipe.risk.model import ModelError

if TYPE_CHECKING:
    from cipipe.risk.model.scoring import ScoringModel

log = logging.getLogger(__name__)
Floats = NDArray[np.float64]
# Ranking by change size: lines added (Kamei's la, or cipipe's risk input), else the lines
# changed that `model train --from-db` learns from.
BASELINE_FEATURES = ("la", "lines_added", "loc_changed")
DRIFT_AUC_DROP = 0.05
DRIFT_ECE_RISE = 0.05
NEWEST_SHARE = 0.25


def _pct(fraction: float) -> str:
    return f"{round(fraction * 100)}pct"


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def baseline_scores(table: HistoryTable) -> tuple[str, Floats] | None:
    """Ranking by lines added: the plain baseline a model must beat."""
    for name in BASELINE_FEATURES:
        if name in table.features:
            return name, table.features[name]
    return None


def metrics_of(
    labels: NDArray[np.int8], proba: Floats, baseline: tuple[str, Floats] | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "rows": len(labels),
        "failure_rate": _round(labels.mean()) if len(labels) else None,
        "mean_probability": _round(proba.mean()) if len(labels) else None,
        "auc": _round(auc(labels, proba)),
        "brier": _round(brier(labels, proba)) if len(labels) else None,
        "ece": _round(ece(labels, proba)) if len(labels) else None,
    }
    for fraction in GATED_FRACTIONS:
        top = at_top(labels, proba, fraction)
        result[f"precision_at_{_pct(fraction)}"] = _round(top.precision)
        result[f"recall_at_{_pct(fraction)}"] = _round(top.recall)
    if baseline is not None:
        name, scores = baseline
        result["baseline"] = name
        result["baseline_auc"] = _round(auc(labels, scores))
        for fraction in GATED_FRACTIONS:
            result[f"baseline_recall_at_{_pct(fraction)}"] = _round(
                at_top(labels, scores, fraction).recall
            )
    return result


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def window_of(table: HistoryTable) -> dict[str, Any]:
    if not len(table):
        return {"rows": 0, "from": None, "to": None, "failed": 0}
    return {
        "rows": len(table),
        "from": _stamp(float(table.times[0])),
        "to": _stamp(float(table.times[-1])),
        "failed": int(table.labels.sum()),
    }


@dataclass(frozen=True)
class Evaluation:
    version: str
    metrics: dict[str, Any]  # auc, brier, ece, precision/recall at each gated share, baseline
    newest: dict[str, Any]  # the same for the newest window, with its time range
    drift: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.version, **self.metrics, "newest": self.newest, "drift": self.drift}


def _newest(table: HistoryTable, window_seconds: float | None) -> HistoryTable:
    if not len(table):
        return table
    if window_seconds is not None:
        keep = np.flatnonzero(table.times >= table.times[-1] - window_seconds)
        return table.take(keep)
    start = int(len(table) * (1 - NEWEST_SHARE))
    return table.take(slice(start, len(table)))


def drift_findings(reference: dict[str, Any], newest: dict[str, Any]) -> list[str]:
    findings = []
    ref_auc, new_auc = reference.get("auc"), newest.get("auc")
    if ref_auc is not None and new_auc is not None and ref_auc - new_auc > DRIFT_AUC_DROP:
        findings.append(f"AUC fell from {ref_auc:.3f} at training to {new_auc:.3f}")
    ref_ece, new_ece = reference.get("ece"), newest.get("ece")
    if ref_ece is not None and new_ece is not None and new_ece - ref_ece > DRIFT_ECE_RISE:
        findings.append(f"ECE rose from {ref_ece:.3f} at training to {new_ece:.3f}")
    return findings


def evaluate(
    model: ScoringModel, table: HistoryTable, *, window_seconds: float | None = None
) -> Evaluation:
    missing = [f for f in model.features if f not in table.features]
    if missing:
        raise ModelError(
            f"history lacks feature {missing[0]!r} that model {model.version} needs",
            file=table.source,
            field=missing[0],
        )
    if not len(table):
        raise ModelError("no rows to evaluate", file=table.source)
    proba = model.predict_proba(table.features)
    metrics = metrics_of(table.labels, proba, baseline_scores(table))
    metrics["window"] = window_of(table)
    recent = _newest(table, window_seconds)
    recent_proba = proba[len(table) - len(recent) :]
    newest = {
        **metrics_of(recent.labels, recent_proba, baseline_scores(recent)),
        "window": window_of(recent),
    }
    reference = model.metadata.get("metrics", {}).get("test") or {}
    drift = drift_findings(reference, newest)
    for finding in drift:
        log.warning("model %s drift: %s", model.version, finding)
    return Evaluation(model.version, metrics, newest, drift)
