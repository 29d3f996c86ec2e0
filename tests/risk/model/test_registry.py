from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.risk.model import ModelError
from cipipe.risk.model.approvals import LOG_NAME, verify_approvals
from cipipe.risk.model.evaluate import evaluate
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.scoring import load_model
from cipipe.risk.model.snapshot import canonical_json
from cipipe.risk.model.train import TrainedModel
from tests.risk.model.histories import generated

LATER = datetime(2026, 3, 5, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def registry(tmp_path: Path, trained: TrainedModel) -> Registry:
    reg = Registry(tmp_path / "models")
    reg.save(trained, by="alice")
    return reg


def test_a_saved_model_loads_and_scores_the_same(registry: Registry, trained: TrainedModel) -> None:
    loaded = registry.load(trained.version)
    probe = generated(100, seed=9).features
    assert loaded.version == trained.version
    assert np.array_equal(loaded.predict_proba(probe), trained.model.predict_proba(probe))
    meta = json.loads((registry.folder(trained.version) / "model.json").read_text())
    assert meta["approval"]["state"] == "candidate"
    assert set(meta["files"]) == {"lightgbm.txt", "logistic.json", "calibration.json"}


def test_missing_folder_and_files_are_named(registry: Registry, trained: TrainedModel) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(registry.root / "nowhere")
    (registry.folder(trained.version) / "logistic.json").unlink()
    with pytest.raises(ModelError, match=r"logistic\.json is missing"):
        registry.load(trained.version)


def test_a_corrupt_booster_is_refused(registry: Registry, trained: TrainedModel) -> None:
    folder = registry.folder(trained.version)
    (folder / "lightgbm.txt").write_text("tree\nnot a model\n")
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["files"]["lightgbm.txt"] = hashlib.sha256(b"tree\nnot a model\n").hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not a LightGBM model"):
        load_model(folder)


def test_an_edited_hash_or_invalid_json_is_refused(
    registry: Registry, trained: TrainedModel
) -> None:
    folder = registry.folder(trained.version)
    meta = json.loads((folder / "model.json").read_text())
    meta["files"]["calibration.json"] = "0" * 64
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"calibration\.json: sha256 does not match"):
        load_model(folder)
    (folder / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(folder)


def test_a_history_lacking_a_feature_names_it(trained: TrainedModel) -> None:
    table = generated(200, seed=4)
    del table.features["rexp"]
    with pytest.raises(ModelError, match="'rexp'"):
        evaluate(trained.model, table)
    with pytest.raises(ModelError, match="'rexp'"):
        trained.model.predict_proba(table.features)


def test_promote_retires_the_previous_and_chains_the_log(
    registry: Registry, trained: TrainedModel
) -> None:
    version = trained.version[:-8] + "0000beef"
    second = replace(trained, version=version, metadata={**trained.metadata, "version": version})
    registry.save(second, by="bob")
    assert registry.promote(trained.version, by="carol") is None
    assert registry.promote(second.version, by="dave", now=LATER) == trained.version
    states = {e.version: e.state for e in registry.entries()}
    assert states == {trained.version: "retired", second.version: "approved"}
    assert registry.approved() == second.version
    assert registry.load("approved").version == second.version
    log = [json.loads(line) for line in (registry.root / LOG_NAME).read_text().splitlines()]
    assert [(a["state"], a["by"]) for a in log] == [
        ("candidate", "alice"),
        ("candidate", "bob"),
        ("approved", "carol"),
        ("approved", "dave"),
        ("retired", "dave"),
    ]
    assert verify_approvals(registry.root) is None
    path = registry.root / "approvals.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:2], lines[2].replace("carol", "mallory"), *lines[3:]]))
    assert "line 3: its hash" in (verify_approvals(registry.root) or "")
    forged = json.loads(lines[2]) | {"by": "mallory"}
    forged["hash"] = hashlib.sha256(
        canonical_json({k: v for k, v in forged.items() if k != "hash"}).encode()
    ).hexdigest()
    path.write_text("\n".join([*lines[:2], canonical_json(forged), *lines[3:]]))
    assert "line 4: does not chain" in (verify_approvals(registry.root) or "")


def test_push_and_pull_through_a_store(
    registry: Registry, trained: TrainedModel, tmp_path: Path
) -> None:
    store = LocalFolderStore(tmp_path / "store", "candidates")
    registry.promote(trained.version, by="carol")
    results = registry.push(store, trained.version)
    assert len(results) == 4
    stored = store.stat(f"models/{trained.version}/lightgbm.txt")
    assert stored is not None
    assert stored.properties["model.state"] == ("approved",)
    assert stored.properties["model.version"] == (trained.version,)
    assert all(r.skipped_by_checksum for r in registry.push(store, trained.version))

    other = Registry(tmp_path / "agent" / "models")
    folder = other.pull(store, trained.version)
    assert load_model(folder).version == trained.version
    assert other.approved() == trained.version

    with pytest.raises(ModelError, match="not found"):
        other.pull(store, trained.version[:-8] + "deadbeef")
    blob = store.root / "candidates" / "models" / trained.version / "logistic.json"
    blob.unlink()
    blob.write_text('{"tampered": true}')
    with pytest.raises(ModelError, match="sha256 does not match"):
        Registry(tmp_path / "third").pull(store, trained.version)
    assert not (tmp_path / "third" / trained.version).exists()
