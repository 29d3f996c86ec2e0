"""Choosing the candidate setting by rolling-origin validation inside the training window.

The training window (oldest first) is cut into FOLDS folds that move forward in time:

    |<-------------------- training window -------------------->|
    |<---- fit (first_fit_share) ---->|<- v1 ->|
    |<--------------- fit --------------------->|<- v2 ->|
    |<-------------------------- fit ---------------------->|<- v3 ->|

Each candidate is fitted on every fold's fit rows and ranks that fold's validation rows (never
seen by that fit, always newer than it, as the rows a deployed model meets are). A candidate
whose AUC is below ranking by lines added (``la``, or the first of evaluate.BASELINE_FEATURES
the history has) on any fold is not chosen; among the others the best mean AUC wins (ties:
the first). One validation window, as before, let a setting win on a single lucky slice;
three in time order must all agree. When no candidate beats the baseline on every fold, the
one whose worst fold is closest to it is kept and the metadata says so.

The out-of-fold margins of the chosen candidate are what Platt calibration is fitted on: each
is a prediction for rows its model had not seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cipipe.cpus import usable_cpus
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.metrics import auc
from cipipe.risk.model import ModelError
from cipipe.risk.model.evaluate import baseline_scores, window_of
from cipipe.risk.model.features import Column
from cipipe.risk.model.features import transform as engineer
from cipipe.risk.model.fitting import CANDIDATES, Candidate, fit_pair

Floats = NDArray[np.float64]
FOLDS = 3
FIRST_FIT_SHARE = 0.5
MIN_FIT_ROWS = 20
MIN_VALIDATION_ROWS = 10


@dataclass(frozen=True)
class Fold:
    fit: HistoryTable
    validate: HistoryTable


@dataclass(frozen=True)
class Trial:
    candidate: Candidate
    aucs: list[float | None]
    baseline_aucs: list[float | None]
    margins: list[Floats]  # out-of-fold margins, one array per fold

    @property
    def beats_baseline_on_every_fold(self) -> bool:
        return all(
            mine is not None and (base is None or mine >= base)
            for mine, base in zip(self.aucs, self.baseline_aucs, strict=True)
        )

    @property
    def mean_auc(self) -> float:
        return float(np.mean([a if a is not None else 0.5 for a in self.aucs]))

    @property
    def worst_margin(self) -> float:
        """The fold where this candidate does worst against the baseline: its AUC minus la's."""
        return min(
            (mine if mine is not None else 0.5) - (base if base is not None else 0.5)
            for mine, base in zip(self.aucs, self.baseline_aucs, strict=True)
        )


@dataclass(frozen=True)
class Selection:
    folds: list[Fold]
    trials: list[Trial]
    chosen: Trial

    def out_of_fold(self) -> tuple[Floats, NDArray[np.int8]]:
        """The chosen candidate's predictions for every validation row, with their labels."""
        margins = np.concatenate(self.chosen.margins)
        labels = np.concatenate([f.validate.labels for f in self.folds]).astype(np.int8)
        return margins, labels

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "rolling-origin",
            "folds": [
                {"fit": window_of(f.fit), "validate": window_of(f.validate)} for f in self.folds
            ],
            "baseline": _baseline_name(self.folds),
            "baseline_auc": _rounded(self.trials[0].baseline_aucs),
            "candidates": {
                t.candidate.name: {
                    "auc": _rounded(t.aucs),
                    "mean_auc": round(t.mean_auc, 6),
                    "beats_baseline_on_every_fold": t.beats_baseline_on_every_fold,
                }
                for t in sorted(self.trials, key=lambda t: t.candidate.name)
            },
            "chosen": self.chosen.candidate.name,
            "chosen_beats_baseline_on_every_fold": self.chosen.beats_baseline_on_every_fold,
        }


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else round(float(v), 6) for v in values]


def _check(window: HistoryTable, name: str, minimum: int, flag: str) -> None:
    positives = int(window.labels.sum())
    if len(window) < minimum or positives == 0 or positives == len(window):
        raise ModelError(
            f"too few labelled rows: the {name} has {len(window)} rows, {positives} failed",
            file=window.source,
            field=flag,
            expected=(
                f"at least {minimum} rows with both failed and good releases in every fit "
                f"and validation window ({FOLDS} rolling-origin folds, then the test window)"
            ),
        )


def rolling_origin(
    train: HistoryTable, *, folds: int = FOLDS, first_fit_share: float = FIRST_FIT_SHARE
) -> list[Fold]:
    """``folds`` (fit, validate) pairs in time order; each fit ends where its validation
    starts, and the validation windows tile the newest ``1 - first_fit_share`` of ``train``."""
    n = len(train)
    start = round(n * first_fit_share)
    edges = [start + round((n - start) * k / folds) for k in range(folds + 1)]
    return [
        Fold(train.take(slice(0, edges[k])), train.take(slice(edges[k], edges[k + 1])))
        for k in range(folds)
    ]


def check_folds(folds: Sequence[Fold], flag: str) -> None:
    for number, fold in enumerate(folds, start=1):
        _check(fold.fit, f"fit window of fold {number}", MIN_FIT_ROWS, flag)
        _check(fold.validate, f"validation window of fold {number}", MIN_VALIDATION_ROWS, flag)


def _baseline_auc(window: HistoryTable) -> float | None:
    baseline = baseline_scores(window)
    return None if baseline is None else auc(window.labels, baseline[1])


def _baseline_name(folds: Sequence[Fold]) -> str | None:
    baseline = baseline_scores(folds[0].validate) if folds else None
    return None if baseline is None else baseline[0]


def select(
    columns: Sequence[Column],
    folds: Sequence[Fold],
    seed: int,
    candidates: Sequence[Candidate] = CANDIDATES,
) -> Selection:
    """Fit every candidate on every fold (in parallel: each fit is single-threaded and
    seeded, so the result does not depend on the order they finish in) and choose one."""
    matrices = [
        (engineer(columns, f.fit.features), engineer(columns, f.validate.features)) for f in folds
    ]

    def margin(job: tuple[Candidate, int]) -> Floats:
        candidate, k = job
        pair = fit_pair(columns, matrices[k][0], folds[k].fit, seed, candidate)
        return pair.margin(matrices[k][1])

    jobs = [(c, k) for c in candidates for k in range(len(folds))]
    with ThreadPoolExecutor(max_workers=min(usable_cpus(), len(jobs))) as pool:
        margins = list(pool.map(margin, jobs))
    baselines = [_baseline_auc(f.validate) for f in folds]
    trials = []
    for i, candidate in enumerate(candidates):
        mine = margins[i * len(folds) : (i + 1) * len(folds)]
        aucs = [auc(f.validate.labels, m) for f, m in zip(folds, mine, strict=True)]
        trials.append(Trial(candidate, aucs, baselines, mine))
    return Selection(list(folds), trials, choose(trials))


def choose(trials: Sequence[Trial]) -> Trial:
    """The best mean AUC among the candidates that beat la on every fold; when none does,
    the one whose worst fold comes closest to la (max keeps the first of equals)."""
    qualified = [t for t in trials if t.beats_baseline_on_every_fold]
    if qualified:
        return max(qualified, key=lambda t: t.mean_auc)
    return max(trials, key=lambda t: t.worst_margin)
