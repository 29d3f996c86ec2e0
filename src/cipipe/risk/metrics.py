"""How well a risk score ranks and how honest a probability is: the figures backtests, model
evaluation and governance reviews quote (seed Step 3 E, I).

All functions take plain numpy arrays: ``labels`` of 0/1 (1 = the release failed) and a
score or probability per row. Ties are handled the way the figures are defined (average
ranks for AUC), so a score with many equal values is neither flattered nor punished.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Labels = NDArray[np.int8]
GATED_FRACTIONS = (0.05, 0.10, 0.20, 0.50)


def _ranks(values: Floats) -> Floats:
    """1-based ranks, ties sharing the average of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    # Boundaries of runs of equal values in sorted order.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def auc(labels: Labels, scores: Floats) -> float | None:
    """Area under the ROC curve (Mann-Whitney); None when only one class is present."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum = float(_ranks(scores.astype(np.float64))[labels == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def roc_curve(labels: Labels, scores: Floats) -> tuple[Floats, Floats]:
    """False- and true-positive rates as the threshold falls through the distinct scores."""
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_labels = scores[order], labels[order]
    last_of_run = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    tp = np.cumsum(sorted_labels)[last_of_run].astype(np.float64)
    fp = np.cumsum(1 - sorted_labels)[last_of_run].astype(np.float64)
    positives, negatives = max(1, int(labels.sum())), max(1, len(labels) - int(labels.sum()))
    return np.r_[0.0, fp / negatives], np.r_[0.0, tp / positives]


def brier(labels: Labels, probabilities: Floats) -> float:
    return float(np.mean((probabilities - labels) ** 2))


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None


def reliability(labels: Labels, probabilities: Floats, bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins of predicted probability: predicted vs observed failure rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, probabilities, side="right") - 1, 0, bins - 1)
    result = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        result.append(
            ReliabilityBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                count=count,
                mean_predicted=float(probabilities[mask].mean()) if count else None,
                observed_rate=float(labels[mask].mean()) if count else None,
            )
        )
    return result


def ece(labels: Labels, probabilities: Floats, bins: int = 10) -> float:
    """Expected calibration error: the count-weighted gap between predicted and observed."""
    total = len(labels)
    gap = 0.0
    for b in reliability(labels, probabilities, bins):
        if b.count and b.mean_predicted is not None and b.observed_rate is not None:
            gap += b.count / total * abs(b.mean_predicted - b.observed_rate)
    return gap


@dataclass(frozen=True)
class AtTop:
    fraction: float
    gated: int
    precision: float | None
    recall: float | None


def at_top(labels: Labels, scores: Floats, fraction: float) -> AtTop:
    """Gate the riskiest ``fraction`` of releases: how many gated failed (precision) and how
    many failures were gated (recall). Equal scores keep their history order, so the cut is
    the same on every run."""
    gated = min(len(labels), math.ceil(fraction * len(labels)))
    order = np.argsort(-scores, kind="mergesort")[:gated]
    caught = int(labels[order].sum())
    failures = int(labels.sum())
    return AtTop(
        fraction=fraction,
        gated=gated,
        precision=caught / gated if gated else None,
        recall=caught / failures if failures else None,
    )


def recall_curve(labels: Labels, scores: Floats, points: int = 50) -> tuple[Floats, Floats]:
    """Recall as a function of the share of releases gated, for the report's chart."""
    fractions = np.linspace(0.0, 1.0, points + 1)
    recalls = np.array([at_top(labels, scores, f).recall or 0.0 for f in fractions])
    return fractions, recalls
