"""Train the risk model on a labelled history (seed Step 3 I).

Windows, oldest first (the history is sorted by time):

    |<------------- train (train_fraction) ------------->|<-- test -->|
    |<-- rolling-origin folds: fit, then validate, x3 -->|
    |<------------------------ refit: every row ------------------------>|

1. Choose a candidate setting (tree size and regularisation, with or without weighting recent
   rows more; CANDIDATES in fitting.py) by rolling-origin validation inside the training
   window (selection.py): it must not lose to ranking by lines added on any fold.
2. Platt-calibrate the chosen setting's out-of-fold logits: calibrated = A * combined + B,
   fitted on predictions for rows their model had not seen.
3. Fit the chosen setting on the whole training window and measure it on the test window,
   which nothing above has seen: the metrics recorded are these held-out ones.
4. Refit the same setting on every row, test window included, keeping A and B, and save that
   (``refit=False`` saves the model of step 3 instead). The newest rows matter most under
   drift: without the refit a model trained with ``--train-fraction 0.8`` never learns from
   the newest fifth of the history it was given.

The candidates are fixed and chosen on training rows only, never on the test rows; seeds and
threads are fixed, so the same rows give byte-identical model files and the same version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from cipipe.risk.history_table import HistoryTable, canonical_names, chronological_split
from cipipe.risk.model import ModelError
from cipipe.risk.model.evaluate import baseline_scores, metrics_of, window_of
from cipipe.risk.model.features import DEFAULT_INPUTS, check_inputs, plan_columns
from cipipe.risk.model.features import transform as engineer
from cipipe.risk.model.files import sha256_bytes
from cipipe.risk.model.fitting import (
    LIGHTGBM_PARAMS,
    WEIGHTS,
    Candidate,
    Pair,
    fit_pair,
    platt,
)
from cipipe.risk.model.scoring import ScoringModel, parse_booster
from cipipe.risk.model.selection import check_folds, rolling_origin, select
from cipipe.risk.model.snapshot import canonical_json, snapshot_sha256

SCHEMA = "cipipe.model/1"


@dataclass(frozen=True)
class TrainedModel:
    version: str
    metadata: dict[str, Any]  # model.json without its "files" and "approval"
    files: dict[str, bytes]  # lightgbm.txt, logistic.json, calibration.json
    model: ScoringModel


def _inputs(table: HistoryTable, features: Sequence[str] | None) -> list[str]:
    """The model's raw inputs by the names the loader gives the columns (aliases resolved)."""
    present = [f for f in DEFAULT_INPUTS if f in table.features]
    inputs = check_inputs(canonical_names(features) if features else present)
    for name in inputs:
        if name not in table.features:
            raise ModelError(f"history lacks feature {name!r}", field=name)
    return inputs


def _files(pair: Pair, a: float, b: float) -> dict[str, bytes]:
    return {
        "lightgbm.txt": pair.booster_text.encode("utf-8"),
        "logistic.json": (canonical_json(pair.logistic) + "\n").encode("utf-8"),
        "calibration.json": (
            canonical_json({"method": "platt", "a": a, "b": b, "weights": WEIGHTS}) + "\n"
        ).encode("utf-8"),
    }


def _scoring(metadata: dict[str, Any], pair: Pair, a: float, b: float) -> ScoringModel:
    booster = parse_booster(pair.booster_text, "training")
    calibration = {"a": a, "b": b, "weights": WEIGHTS}
    return ScoringModel({**metadata, "metrics": {}}, booster, pair.logistic, calibration)


def _version(table: HistoryTable, inputs: list[str], settings: dict[str, Any],
             files: dict[str, bytes], created: datetime) -> tuple[str, str]:  # fmt: skip
    snapshot = snapshot_sha256(table, inputs)
    digest_of = {name: sha256_bytes(data) for name, data in files.items()}
    identity = canonical_json({"data": snapshot, "settings": settings, "files": digest_of})
    digest = hashlib.sha256(identity.encode()).hexdigest()[:8]
    return f"m-{created:%Y%m%dT%H%M%SZ}-{digest}", snapshot


def _settings(
    candidate: Candidate, *, train_fraction: float, seed: int, refit: bool
) -> dict[str, Any]:
    return {
        "train_fraction": train_fraction,
        "seed": seed,
        "refit": refit,
        "chosen": candidate.name,
        "half_life_days": candidate.half_life_days,
        "lightgbm": {
            **LIGHTGBM_PARAMS,
            **candidate.lightgbm,
            "num_boost_round": candidate.rounds,
            "seed": seed,
        },
        "logistic": {"class_weight": "balanced", "standardized": True},
        "combine": "mean of the two logits, then Platt (out of fold): A * combined + B",
    }


def _saved_model(rows: HistoryTable, *, refit: bool) -> dict[str, Any]:
    """What the saved model was fitted on: every row when refit, else the training window."""
    return {"refit_on_every_row": refit, "rows": len(rows), "window": window_of(rows)}


def train_model(
    table: HistoryTable,
    *,
    features: Sequence[str] | None = None,
    train_fraction: float = 0.8,
    seed: int = 0,
    refit: bool = True,
    now: datetime | None = None,
    input_flag: str = "--history",
) -> TrainedModel:
    inputs = _inputs(table, features)
    if not 0 < train_fraction <= 1:
        raise ModelError("train fraction out of range", expected="0 < train <= 1")
    columns = plan_columns(inputs)
    table = replace(table, features={n: table.features[n] for n in inputs})
    train, test = chronological_split(table, train_fraction)
    folds = rolling_origin(train)
    check_folds(folds, input_flag)
    selection = select(columns, folds, seed)
    candidate = selection.chosen.candidate
    a, b = platt(*selection.out_of_fold())
    measured = fit_pair(columns, engineer(columns, train.features), train, seed, candidate)
    final = measured
    if refit and len(test):
        final = fit_pair(columns, engineer(columns, table.features), table, seed, candidate)
    files = _files(final, a, b)
    settings = _settings(candidate, train_fraction=train_fraction, seed=seed, refit=refit)
    created = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    version, snapshot = _version(table, inputs, settings, files, created)
    saved_rows = table if final is not measured else train
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
            "selection": selection.to_json(),
            "windows": {"train": window_of(train), "test": window_of(test)},
            "saved_model": _saved_model(saved_rows, refit=final is not measured),
        },
    }
    if features:
        metadata["features_as_given"] = list(features)
    held_out = _scoring(metadata, measured, a, b)
    metadata["metrics"] = _metrics(selection.out_of_fold(), (a, b), held_out, test)
    metadata["metrics"]["saved_model"] = metadata["training"]["saved_model"]
    model = _scoring(metadata, final, a, b)
    model.metadata["metrics"] = metadata["metrics"]
    return TrainedModel(version, metadata, files, model)


def _metrics(
    out_of_fold: tuple[Any, Any],
    platt_ab: tuple[float, float],
    measured: ScoringModel,
    test: HistoryTable,
) -> dict[str, Any]:
    """Held-out figures only: out-of-fold calibration, and the test window scored by the
    model fitted without it. The saved model (refit on every row) has no held-out rows left,
    so its own fit is stated, not measured."""
    margin, labels = out_of_fold
    a, b = platt_ab
    metrics: dict[str, Any] = {
        "calibration": metrics_of(labels, 1 / (1 + np.exp(-(a * margin + b))), None),
    }
    if len(test):
        proba = measured.predict_proba(test.features)
        metrics["test"] = {
            **metrics_of(test.labels, proba, baseline_scores(test)),
            "measured_on": "the model fitted on the training window only",
        }
    return metrics
