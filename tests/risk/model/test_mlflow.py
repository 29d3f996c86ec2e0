from __future__ import annotations

import logging

import pytest

from cipipe.risk.model.mlflow import log_training
from cipipe.risk.model.train import TrainedModel
from tests.support.loopback import serve_http
from tests.support.mlflowserver import FakeMlflow


def test_a_training_run_is_logged(trained: TrainedModel) -> None:
    fake = FakeMlflow()
    with serve_http(fake.answer) as base:
        run_id = log_training(trained.metadata, {"MLFLOW_TRACKING_URI": base})
    assert run_id == "r1"
    paths = [p for _, p, _ in fake.requests]
    assert paths == [
        "experiments/get-by-name",
        "experiments/create",
        "runs/create",
        "runs/log-batch",
        "runs/update",
    ]
    create = fake.requests[2][2]
    assert create["experiment_id"] == "8" and create["run_name"] == trained.version
    batch = fake.requests[3][2]
    assert batch["run_id"] == "r1"
    metrics = {m["key"]: m["value"] for m in batch["metrics"]}
    assert metrics["test.auc"] == trained.metadata["metrics"]["test"]["auc"]
    params = {p["key"]: p["value"] for p in batch["params"]}
    assert params["lightgbm.num_leaves"] == "7" and params["seed"] == "0"
    assert fake.requests[4][2]["status"] == "FINISHED"
    # Every call was one MLflow accepts, and the run ends as MLflow would record it.
    assert fake.refused == []
    assert fake.runs["r1"]["info"]["status"] == "FINISHED"
    assert fake.runs["r1"]["params"]["seed"] == "0"


def test_an_existing_experiment_is_reused(trained: TrainedModel) -> None:
    fake = FakeMlflow(has_experiment=True)
    with serve_http(fake.answer) as base:
        log_training(trained.metadata, {"MLFLOW_TRACKING_URI": base + "/"})
    assert "experiments/create" not in [p for _, p, _ in fake.requests]
    assert fake.requests[1][2]["experiment_id"] == "7"


def test_a_failing_mlflow_is_only_a_warning(
    trained: TrainedModel, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeMlflow(fail="runs/log-batch")
    with caplog.at_level(logging.WARNING), serve_http(fake.answer) as base:
        assert log_training(trained.metadata, {"MLFLOW_TRACKING_URI": base}) is None
    assert "MLflow logging failed" in caplog.text
    assert log_training(trained.metadata, {}) is None
