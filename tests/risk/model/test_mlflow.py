from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from cipipe.risk.model.mlflow import log_training
from cipipe.risk.model.train import TrainedModel
from tests.loopback import serve_http


class FakeMlflow:
    """Records every request; answers like MLflow's REST API 2.0."""

    def __init__(self, *, has_experiment: bool = False, fail: str | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, object]]] = []
        self.has_experiment = has_experiment
        self.fail = fail

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else {}
        if handler.command == "GET":
            body = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path.removeprefix("/api/2.0/mlflow/")
        self.requests.append((handler.command, path, body))
        status = 200
        reply: dict[str, object] = {}
        if path == self.fail:
            status, reply = 500, {"error_code": "INTERNAL_ERROR"}
        elif path == "experiments/get-by-name":
            if self.has_experiment:
                reply = {"experiment": {"experiment_id": "7", "name": body["experiment_name"]}}
            else:
                status, reply = 404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}
        elif path == "experiments/create":
            reply = {"experiment_id": "8"}
        elif path == "runs/create":
            reply = {"run": {"info": {"run_id": "r1", "experiment_id": body["experiment_id"]}}}
        data = json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


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
    metrics = {m["key"]: m["value"] for m in batch["metrics"]}  # type: ignore[attr-defined]
    assert metrics["test.auc"] == trained.metadata["metrics"]["test"]["auc"]
    params = {p["key"]: p["value"] for p in batch["params"]}  # type: ignore[attr-defined]
    assert params["lightgbm.num_leaves"] == "7" and params["seed"] == "0"
    assert fake.requests[4][2]["status"] == "FINISHED"


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
