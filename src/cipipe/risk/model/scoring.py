"""The scoring model decide-strategy uses: a probability of failure and its explanation.

score = A * (w_lr * logistic_margin + w_gb * lightgbm_margin) + B   (the calibrated logit)
probability = 1 / (1 + exp(-score))

Everything is linear in logit space, so the explanation is exact: LightGBM's per-column
contributions (pred_contrib) and the logistic model's w_i * x_i, weighted and scaled by A,
then summed per raw input; ``base`` holds both biases, both intercepts and B.

A model folder holds model.json (metadata, transforms, the sha256 of every other file),
lightgbm.txt (the booster as text), logistic.json and calibration.json. No pickle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.model import ModelError
from cipipe.risk.model.features import Column, attribution, columns_from_json, transform
from cipipe.risk.model.files import read_json, read_metadata, verify_files

if TYPE_CHECKING:
    import lightgbm

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Explanation:
    probability: float
    logit: float  # the calibrated logit: base + sum(contributions)
    base: float
    contributions: dict[str, float]  # per raw input feature, in logit units


class ScoringModel:
    def __init__(
        self,
        metadata: Mapping[str, Any],
        booster: lightgbm.Booster,
        logistic: Mapping[str, Any],
        calibration: Mapping[str, Any],
    ) -> None:
        try:
            self.version: str = str(metadata["version"])
            self.features: list[str] = [str(f) for f in metadata["features"]]
            self.columns: list[Column] = columns_from_json(metadata["columns"])
            self.metadata = dict(metadata)
            self._mean = np.asarray(logistic["mean"], dtype=np.float64)
            self._scale = np.asarray(logistic["scale"], dtype=np.float64)
            self._coef = np.asarray(logistic["coef"], dtype=np.float64)
            self._intercept = float(logistic["intercept"])
            self._a = float(calibration["a"])
            self._b = float(calibration["b"])
            self._w_lr = float(calibration["weights"]["logistic"])
            self._w_gb = float(calibration["weights"]["lightgbm"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {metadata.get('version', '?')}: malformed ({exc})") from exc
        width = len(self.columns)
        if not (len(self._mean) == len(self._scale) == len(self._coef) == width):
            raise ModelError(f"model {self.version}: logistic.json does not fit the columns")
        if booster.num_feature() != width:
            raise ModelError(f"model {self.version}: lightgbm.txt does not fit the columns")
        self._booster = booster
        self._share = attribution(self.columns, self.features)

    def _margins(self, matrix: Floats) -> tuple[Floats, Floats]:
        lr = ((matrix - self._mean) / self._scale) @ self._coef + self._intercept
        gb = np.asarray(self._booster.predict(matrix, raw_score=True), dtype=np.float64)
        return lr, gb

    def logits(self, rows: Mapping[str, Any]) -> Floats:
        lr, gb = self._margins(transform(self.columns, rows))
        return self._a * (self._w_lr * lr + self._w_gb * gb) + self._b

    def predict_proba(self, rows: Mapping[str, Any]) -> Floats:
        """The calibrated probability of failure of each row (raw feature arrays by name)."""
        return _sigmoid(self.logits(rows))

    def explain(self, row: Mapping[str, float]) -> Explanation:
        matrix = transform(self.columns, {k: np.asarray([v]) for k, v in row.items()})
        standardized = (matrix[0] - self._mean) / self._scale
        contrib = np.asarray(self._booster.predict(matrix, pred_contrib=True), dtype=np.float64)
        gb_columns, gb_bias = contrib[0, :-1], float(contrib[0, -1])
        per_column = self._a * (self._w_lr * self._coef * standardized + self._w_gb * gb_columns)
        base = self._a * (self._w_lr * self._intercept + self._w_gb * gb_bias) + self._b
        per_input = per_column @ self._share
        contributions = {n: float(v) for n, v in zip(self.features, per_input, strict=True)}
        logit = base + float(per_column.sum())
        return Explanation(float(_sigmoid(np.asarray([logit]))[0]), logit, base, contributions)


def _sigmoid(z: Floats) -> Floats:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def parse_booster(text: str, where: str) -> lightgbm.Booster:
    import lightgbm

    try:
        return lightgbm.Booster(model_str=text)
    except Exception as exc:  # LightGBMError, or a ValueError on text it cannot parse
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{where}: not a LightGBM model ({reason})") from exc


def load_model(folder: Path) -> ScoringModel:
    """The model in ``folder``, every file verified; ModelError says what is wrong."""
    metadata = read_metadata(folder)
    files = verify_files(folder, metadata)
    logistic = read_json(folder / "logistic.json")
    calibration = read_json(folder / "calibration.json")
    booster = parse_booster(files["lightgbm.txt"].decode("utf-8", "replace"), str(folder))
    return ScoringModel(metadata, booster, logistic, calibration)
