"""Generated labelled histories with a known signal, or none, for the model tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from cipipe.risk.history_table import CHANGE_METRICS, HistoryTable

START = 1_600_000_000.0


def raw_features(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    features = {name: rng.gamma(1.5, 20.0, n).round() for name in CHANGE_METRICS}
    features["fix"] = (rng.random(n) < 0.2).astype(np.float64)
    features["entropy"] = rng.random(n)
    features["la"] = rng.lognormal(3.0, 1.5, n).round()
    features["exp"] = rng.lognormal(4.0, 1.5, n).round()
    return features


def oracle_logit(features: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(-1.0 + 0.9 * np.log1p(features["la"]) - 0.7 * np.log1p(features["exp"]))


def generated(n: int = 3000, *, signal: bool = True, seed: int = 1) -> HistoryTable:
    rng = np.random.default_rng(seed)
    features = raw_features(rng, n)
    logit = oracle_logit(features) if signal else np.full(n, -1.4)
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return HistoryTable(
        source="generated",
        ids=[f"c{i}" for i in range(n)],
        times=START + np.arange(n, dtype=np.float64) * 3600.0,
        labels=labels,
        features=features,
    )


def write_csv(table: HistoryTable, path: Path, *, drop: str | None = None) -> Path:
    names = [n for n in table.features if n != drop]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["_id", "date", "bug", *names])
        for i in range(len(table)):
            values = [repr(float(table.features[n][i])) for n in names]
            writer.writerow([table.ids[i], int(table.times[i]), int(table.labels[i]), *values])
    return path
