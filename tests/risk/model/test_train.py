from __future__ import annotations

import numpy as np

from cipipe.risk.history_table import chronological_split
from cipipe.risk.metrics import auc
from cipipe.risk.model.evaluate import evaluate, window_of
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
    assert [windows[w]["rows"] for w in ("train", "test")] == [2400, 600]
    assert windows["train"]["to"] <= windows["test"]["from"]
    folds = meta["training"]["selection"]["folds"]
    assert [(f["fit"]["rows"], f["validate"]["rows"]) for f in folds] == [
        (1200, 400),
        (1600, 400),
        (2000, 400),
    ]
    for fold in folds:  # every fold validates on rows newer than all it was fitted on
        assert fold["fit"]["to"] < fold["validate"]["from"]
    assert folds[-1]["validate"]["to"] == windows["train"]["to"]
    assert meta["metrics"]["calibration"]["rows"] == 1200  # Platt on the out-of-fold rows
    assert len(meta["training"]["snapshot_sha256"]) == 64
    assert {"name": "la_per_lt", "op": "per_size", "inputs": ["la", "lt"]} in meta["columns"]
    assert "ece" in meta["metrics"]["test"] and "recall_at_10pct" in meta["metrics"]["test"]


def test_the_saved_model_is_refit_on_every_row_and_the_metrics_are_held_out(
    trained: TrainedModel,
) -> None:
    kept = train_model(generated(3000), now=NOW, refit=False)
    saved = trained.metadata["training"]["saved_model"]
    assert saved == {
        "refit_on_every_row": True,
        "rows": 3000,
        "window": window_of(generated(3000)),
    }
    assert trained.metadata["metrics"]["saved_model"] == saved
    assert kept.metadata["training"]["saved_model"]["rows"] == 2400
    assert not kept.metadata["training"]["saved_model"]["refit_on_every_row"]
    # The test figures are of the setting fitted without the test rows, refit or not.
    assert kept.metadata["metrics"]["test"] == trained.metadata["metrics"]["test"]
    assert kept.files["calibration.json"] == trained.files["calibration.json"]
    assert kept.files["lightgbm.txt"] != trained.files["lightgbm.txt"]
    assert kept.version != trained.version


def test_the_refit_learns_what_only_the_newest_rows_show() -> None:
    """The newest fifth follows another rule (nuc drives failures); only the model refit on
    every row has seen it, so only it ranks more rows of that kind well."""
    table = generated(2000, seed=21)
    rng = np.random.default_rng(22)
    tail = slice(1600, 2000)
    nuc = table.features["nuc"][tail]
    logit = 2.5 * (np.log1p(nuc) - np.log1p(nuc).mean())
    table.labels[tail] = (rng.random(400) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    refit = train_model(table, now=NOW)
    kept = train_model(table, now=NOW, refit=False)
    fresh = generated(1000, seed=23)
    fresh_logit = 2.5 * (np.log1p(fresh.features["nuc"]) - np.log1p(fresh.features["nuc"]).mean())
    fresh.labels = (rng.random(1000) < 1 / (1 + np.exp(-fresh_logit))).astype(np.int8)
    refit_auc = auc(fresh.labels, refit.model.predict_proba(fresh.features))
    kept_auc = auc(fresh.labels, kept.model.predict_proba(fresh.features))
    assert refit_auc is not None and kept_auc is not None
    assert refit_auc > kept_auc + 0.05, (refit_auc, kept_auc)


def test_features_are_resolved_through_the_aliases() -> None:
    result = train_model(generated(1500), features=["la", "entrophy", "exp"], now=NOW)
    assert result.metadata["features"] == ["la", "entropy", "exp"]
    assert result.metadata["features_as_given"] == ["la", "entrophy", "exp"]
    assert result.model.features == ["la", "entropy", "exp"]


def test_evaluate_reports_baseline_and_drift(trained: TrainedModel) -> None:
    same = evaluate(trained.model, generated(2000, seed=5))
    assert same.metrics["auc"] > same.metrics["baseline_auc"] - 0.05
    assert same.drift == []
    flipped = generated(2000, seed=5)
    flipped.labels = (1 - flipped.labels).astype(np.int8)
    drifted = evaluate(trained.model, flipped)
    assert any("AUC fell" in d for d in drifted.drift)
    assert drifted.to_json()["drift"] == drifted.drift
