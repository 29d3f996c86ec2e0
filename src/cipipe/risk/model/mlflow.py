"""Log a training run to MLflow over its REST API, when MLFLOW_TRACKING_URI is set.

No mlflow package: five calls with requests (experiments/get-by-name or create, runs/create,
runs/log-batch, runs/update). MLflow is a record, never a gate: any failure is logged as a
warning and training goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)
EXPERIMENT = "cipipe-risk-model"
TIMEOUT_SECONDS = 10.0


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


class _Client:
    def __init__(self, uri: str, token: str | None) -> None:
        import requests

        self.base = uri.rstrip("/") + "/api/2.0/mlflow/"
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.session.request(method, self.base + path, timeout=TIMEOUT_SECONDS, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:200]}")
        data = response.json() if response.content else {}
        return data if isinstance(data, dict) else {}

    def experiment_id(self, name: str) -> str:
        response = self.session.get(
            self.base + "experiments/get-by-name",
            params={"experiment_name": name},
            timeout=TIMEOUT_SECONDS,
        )
        if response.status_code == 200:
            return str(response.json()["experiment"]["experiment_id"])
        if response.status_code != 404:
            raise RuntimeError(f"experiments/get-by-name: HTTP {response.status_code}")
        return str(self.call("POST", "experiments/create", json={"name": name})["experiment_id"])


def log_training(
    metadata: Mapping[str, Any], env: Mapping[str, str], *, experiment: str = EXPERIMENT
) -> str | None:
    """The MLflow run id, or None when MLflow is not configured or did not answer."""
    uri = env.get("MLFLOW_TRACKING_URI")
    if not uri or not uri.startswith(("http://", "https://")):
        return None
    try:
        client = _Client(uri, env.get("MLFLOW_TRACKING_TOKEN"))
        experiment_id = client.experiment_id(env.get("MLFLOW_EXPERIMENT_NAME") or experiment)
        now = int(time.time() * 1000)
        version = str(metadata["version"])
        run = client.call(
            "POST",
            "runs/create",
            json={
                "experiment_id": experiment_id,
                "run_name": version,
                "start_time": now,
                "tags": [{"key": "cipipe.model.version", "value": version}],
            },
        )
        run_id = str(run["run"]["info"]["run_id"])
        params: dict[str, Any] = {}
        _flatten("", metadata.get("training", {}).get("settings", {}), params)
        params["features"] = ",".join(metadata.get("features", []))
        params["snapshot_sha256"] = metadata.get("training", {}).get("snapshot_sha256")
        metrics: dict[str, Any] = {}
        _flatten("", metadata.get("metrics", {}), metrics)
        client.call(
            "POST",
            "runs/log-batch",
            json={
                "run_id": run_id,
                "params": [{"key": k, "value": str(v)[:500]} for k, v in sorted(params.items())],
                "metrics": [
                    {"key": k, "value": float(v), "timestamp": now, "step": 0}
                    for k, v in sorted(metrics.items())
                    if isinstance(v, int | float) and not isinstance(v, bool)
                ],
            },
        )
        client.call(
            "POST",
            "runs/update",
            json={"run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)},
        )
        return run_id
    except Exception as exc:  # a record, never a gate
        log.warning("MLflow logging failed (training is kept): %s", exc)
        return None
