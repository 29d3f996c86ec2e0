from __future__ import annotations

import numpy as np

from cipipe.risk.history_table import chronological_split
from cipipe.risk.metrics import auc
from cipipe.risk.model.evaluate import evaluate
from cipipe.risk.model.train import TrainedModel, train_model
from tests.risk.model.conftest import NOW
from tests.risk.model.histories import generated, oracle_logit


def test_a_known_signal_is_learned_close_to_the_oracle(trained: TrainedModel) -> None:
    _, test = chronological_split(generated(3000), 0.8)
    model_auc = trained.metadata["metrics"]["test"]["auc"]
    oracle_auc = auc(test.labels, oracle_logit(test.features))
    assert oracle_auc is not None
    assert model_auc > 0.75
    assert model_auc > oracle_auc - 0.03
    assert model_auc > trained.metadata["metrics"]["test"]["baseline_auc"]


def test_no_signal_gives_chance_auc_and_base_rate_probabilities() -> None:
    table = generated(3000, signal=False, seed=7)
    result = train_model(table, now=NOW)
    test = result.metadata["metrics"]["test"]
    assert 0.45 <= test["auc"] <= 0.55
    _, held_out = chronological_split(table, 0.8)
    proba = result.model.predict_proba(held_out.features)
    assert proba.max() < 0.6
    assert abs(proba.mean() - table.labels.mean()) < 0.05


def test_explanations_add_up_to_the_logit(trained: TrainedModel) -> None:
    table = generated(50, seed=3)
    model = trained.model
    logits = model.logits(table.features)
    for i in range(len(table)):
        row = {name: float(table.features[name][i]) for name in model.features}
        explained = model.explain(row)
        assert set(explained.contributions) == set(model.features)
        total = explained.base + sum(explained.contributions.values())
        assert abs(total - explained.logit) < 1e-9
        assert abs(explained.logit - logits[i]) < 1e-9
        assert abs(explained.probability - 1 / (1 + np.exp(-logits[i]))) < 1e-12
    strongest = max(model.explain(row).contributions.items(), key=lambda kv: abs(kv[1]))
    assert strongest[0] in {"la", "exp"}


def test_training_is_deterministic(trained: TrainedModel) -> None:
    again = train_model(generated(3000), now=NOW)
    assert again.version == trained.version
    assert again.files == trained.files
    probe = generated(200, seed=11).features
    assert np.array_equal(again.model.predict_proba(probe), trained.model.predict_proba(probe))


def test_metadata_records_windows_snapshot_and_transforms(trained: TrainedModel) -> None:
    meta = trained.metadata
    assert meta["version"].startswith("m-20260304T100000Z-")
    windows = meta["training"]["windows"]
    assert [windows[w]["rows"] for w in ("fit", "calibration", "test")] == [1920, 480, 600]
    assert windows["fit"]["to"] <= windows["calibration"]["from"]
    assert len(meta["training"]["snapshot_sha256"]) == 64
    assert {"name": "la_per_lt", "op": "per_size", "inputs": ["la", "lt"]} in meta["columns"]
    assert "ece" in meta["metrics"]["test"] and "recall_at_10pct" in meta["metrics"]["test"]


def test_evaluate_reports_baseline_and_drift(trained: TrainedModel) -> None:
    same = evaluate(trained.model, generated(2000, seed=5))
    assert same.metrics["auc"] > same.metrics["baseline_auc"] - 0.05
    assert same.drift == []
    flipped = generated(2000, seed=5)
    flipped.labels = (1 - flipped.labels).astype(np.int8)
    drifted = evaluate(trained.model, flipped)
    assert any("AUC fell" in d for d in drifted.drift)
    assert drifted.to_json()["drift"] == drifted.drift
