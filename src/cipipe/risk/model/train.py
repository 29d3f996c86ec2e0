"""Train the risk model on a labelled history (seed Step 3 I).

Windows, oldest first (the history is sorted by time):

    |<-------- train (train_fraction) -------->|<-- test -->|
    |<---- fit ---->|<-- calibration (cf) ---->|

1. Fit a class-balanced logistic regression (standardized engineered columns) and a
   class-balanced LightGBM on the fit window, once per candidate setting of CANDIDATES (a
   small grid declared here: tree size and regularisation, with or without weighting recent
   rows more), and keep the candidate whose combined logit ranks the calibration window best
   (AUC; ties: the first). The test window plays no part in the choice.
2. Platt-calibrate the average of the chosen pair's logits on the calibration window: the
   newest part of the training rows, which neither model has seen: calibrated = A * combined
   + B.
3. Refit both models, same settings, on the whole training window (fit + calibration), and
   keep A and B from step 2 (``refit=False`` keeps the step-1 models instead). Refitting uses
   the newest rows, which matter most under drift; the calibration stays an out-of-sample fit.
4. Measure on the test window, which nothing above has seen.

The candidates are fixed here and chosen on training rows only, never on the test rows; seeds
and threads are fixed, so the same rows give byte-identical model files and the same version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.history_table import HistoryTable, chronological_split
from cipipe.risk.metrics import auc
from cipipe.risk.model import ModelError
from cipipe.risk.model.evaluate import baseline_scores, metrics_of, window_of
from cipipe.risk.model.features import DEFAULT_INPUTS, Column, check_inputs, plan_columns
from cipipe.risk.model.features import transform as engineer
from cipipe.risk.model.files import sha256_bytes
from cipipe.risk.model.scoring import ScoringModel, parse_booster
from cipipe.risk.model.snapshot import canonical_json, snapshot_sha256

Floats = NDArray[np.float64]
SCHEMA = "cipipe.model/1"
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
class TrainedModel:
    version: str
    metadata: dict[str, Any]  # model.json without its "files" and "approval"
    files: dict[str, bytes]  # lightgbm.txt, logistic.json, calibration.json
    model: ScoringModel


@dataclass(frozen=True)
class _Pair:
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


def _fit_pair(
    columns: Sequence[Column],
    matrix: Floats,
    window: HistoryTable,
    seed: int,
    candidate: Candidate,
) -> _Pair:
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
    return _Pair(logistic, booster.model_to_string())


def _platt(margin: Floats, labels: NDArray[np.int8]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(margin[:, None], labels.astype(np.int64))
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    if a <= 0:  # the calibration window sees no (or a reversed) signal: claim the base rate
        rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))
        a, b = 0.0, float(np.log(rate / (1 - rate)))
    return a, b


def _need_both_classes(window: HistoryTable, name: str) -> None:
    positives = int(window.labels.sum())
    if len(window) < 20 or positives == 0 or positives == len(window):
        raise ModelError(
            f"the {name} window has {len(window)} rows, {positives} failed",
            field="--history",
            expected="at least 20 rows with both failed and good releases in each window",
        )


def train_model(
    table: HistoryTable,
    *,
    features: Sequence[str] | None = None,
    train_fraction: float = 0.8,
    calibration_fraction: float = 0.2,
    seed: int = 0,
    refit: bool = True,
    now: datetime | None = None,
) -> TrainedModel:
    inputs = check_inputs(features or [f for f in DEFAULT_INPUTS if f in table.features])
    for name in inputs:
        if name not in table.features:
            raise ModelError(f"history lacks feature {name!r}", field=name)
    if not (0 < train_fraction <= 1 and 0 < calibration_fraction < 1):
        raise ModelError("fractions out of range", expected="0 < train <= 1, 0 < calibration < 1")
    columns = plan_columns(inputs)
    table = replace(table, features={n: table.features[n] for n in inputs})
    train, test = chronological_split(table, train_fraction)
    fit, calibration = chronological_split(train, 1 - calibration_fraction)
    for window, name in ((fit, "fit"), (calibration, "calibration")):
        _need_both_classes(window, name)
    fit_matrix = engineer(columns, fit.features)
    cal_matrix = engineer(columns, calibration.features)
    tried: dict[str, float | None] = {}
    chosen: tuple[Candidate, _Pair, Floats] | None = None
    for candidate in CANDIDATES:
        pair = _fit_pair(columns, fit_matrix, fit, seed, candidate)
        margin = pair.margin(cal_matrix)
        tried[candidate.name] = auc(calibration.labels, margin)
        best = tried[chosen[0].name] if chosen else None
        if chosen is None or (tried[candidate.name] or 0.0) > (best or 0.0):
            chosen = (candidate, pair, margin)
    assert chosen is not None  # CANDIDATES is not empty
    candidate, first, cal_margin = chosen
    a, b = _platt(cal_margin, calibration.labels)
    final = (
        _fit_pair(columns, engineer(columns, train.features), train, seed, candidate)
        if refit
        else first
    )
    files = {
        "lightgbm.txt": final.booster_text.encode("utf-8"),
        "logistic.json": (canonical_json(final.logistic) + "\n").encode("utf-8"),
        "calibration.json": (
            canonical_json({"method": "platt", "a": a, "b": b, "weights": WEIGHTS}) + "\n"
        ).encode("utf-8"),
    }
    settings = {
        "train_fraction": train_fraction,
        "calibration_fraction": calibration_fraction,
        "seed": seed,
        "refit": refit,
        "candidates_tried": {name: tried[name] for name in sorted(tried)},
        "chosen": candidate.name,
        "half_life_days": candidate.half_life_days,
        "lightgbm": {
            **LIGHTGBM_PARAMS,
            **candidate.lightgbm,
            "num_boost_round": candidate.rounds,
            "seed": seed,
        },
        "logistic": {"class_weight": "balanced", "standardized": True},
        "combine": "mean of the two logits, then Platt: A * combined + B",
    }
    snapshot = snapshot_sha256(table, inputs)
    digest_of = {name: sha256_bytes(data) for name, data in files.items()}
    identity = canonical_json({"data": snapshot, "settings": settings, "files": digest_of})
    created = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    version = f"m-{created:%Y%m%dT%H%M%SZ}-{hashlib.sha256(identity.encode()).hexdigest()[:8]}"
    metadata: dict[str, Any] = {
        "schema": SCHEMA,
        "version": version,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "features": inputs,
        "columns": [c.to_json() for c in columns],
        "training": {
            "source": table.source,
            "rows": len(table),
            "snapshot_sha256": snapshot,
            "settings": settings,
            "windows": {
                "fit": window_of(fit),
                "calibration": window_of(calibration),
                "test": window_of(test),
            },
        },
    }
    booster = parse_booster(final.booster_text, "training")
    calibration_json = {"a": a, "b": b, "weights": WEIGHTS}
    model = ScoringModel({**metadata, "metrics": {}}, booster, final.logistic, calibration_json)
    metrics: dict[str, Any] = {
        "calibration": metrics_of(
            calibration.labels, 1 / (1 + np.exp(-(a * cal_margin + b))), None
        ),
    }
    if len(test):
        proba = model.predict_proba(test.features)
        metrics["test"] = metrics_of(test.labels, proba, baseline_scores(test))
    metadata["metrics"] = metrics
    model.metadata["metrics"] = metrics
    return TrainedModel(version, metadata, files, model)
