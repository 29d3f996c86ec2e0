"""The two models cipipe combines, one candidate setting at a time (seed Step 3 I).

A class-balanced logistic regression on standardized engineered columns and a class-balanced
LightGBM, averaged as logits; Platt scaling maps that average to a probability. Seeds and
threads are fixed, so the same rows give byte-identical model files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.history_table import HistoryTable
from cipipe.risk.model.features import Column
from cipipe.risk.model.scoring import parse_booster

Floats = NDArray[np.float64]
LIGHTGBM_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.03,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "is_unbalance": True,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
WEIGHTS = {"logistic": 0.5, "lightgbm": 0.5}


@dataclass(frozen=True)
class Candidate:
    name: str
    lightgbm: dict[str, Any]
    rounds: int
    half_life_days: float | None  # None: every training row weighs the same


_MEDIUM = {"num_leaves": 15, "min_data_in_leaf": 50, "lambda_l2": 1.0}
_SMALL = {"num_leaves": 7, "min_data_in_leaf": 100, "lambda_l2": 5.0}
CANDIDATES = (
    Candidate("medium-trees-recent", _MEDIUM, 300, 365.0),
    Candidate("small-trees-recent", _SMALL, 400, 365.0),
    Candidate("medium-trees", _MEDIUM, 300, None),
    Candidate("small-trees", _SMALL, 400, None),
)


@dataclass(frozen=True)
class Pair:
    logistic: dict[str, Any]
    booster_text: str

    def margin(self, matrix: Floats) -> Floats:
        lr = self.logistic
        z = ((matrix - np.asarray(lr["mean"])) / np.asarray(lr["scale"])) @ np.asarray(lr["coef"])
        booster = parse_booster(self.booster_text, "training")
        gb = np.asarray(booster.predict(matrix, raw_score=True), dtype=np.float64)
        return np.asarray(
            WEIGHTS["logistic"] * (z + lr["intercept"]) + WEIGHTS["lightgbm"] * gb,
            dtype=np.float64,
        )


def _weights(times: Floats, half_life_days: float | None) -> Floats:
    if half_life_days is None or not len(times):
        return np.ones(len(times), dtype=np.float64)
    age_days = (times.max() - times) / 86400.0
    return np.asarray(0.5 ** (age_days / half_life_days), dtype=np.float64)


def fit_pair(
    columns: Sequence[Column],
    matrix: Floats,
    window: HistoryTable,
    seed: int,
    candidate: Candidate,
) -> Pair:
    import lightgbm
    from sklearn.linear_model import LogisticRegression

    labels = window.labels.astype(np.int64)
    weights = _weights(window.times, candidate.half_life_days)
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(class_weight="balanced", max_iter=5000)
    lr.fit((matrix - mean) / scale, labels, sample_weight=weights)
    logistic = {
        "columns": [c.name for c in columns],
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": lr.coef_[0].tolist(),
        "intercept": float(lr.intercept_[0]),
    }
    params = {**LIGHTGBM_PARAMS, **candidate.lightgbm, "seed": seed}
    data = lightgbm.Dataset(
        matrix, label=labels, weight=weights, feature_name=[c.name for c in columns]
    )
    booster = lightgbm.train(params, data, num_boost_round=candidate.rounds)
    return Pair(logistic, booster.model_to_string())


def platt(margin: Floats, labels: NDArray[np.int8]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(margin[:, None], labels.astype(np.int64))
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if a <= 0:  # the held-out rows see no (or a reversed) signal: claim the base rate
        rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
        a, b = 0.0, float(np.log(rate / (1 - rate)))
    return a, b
