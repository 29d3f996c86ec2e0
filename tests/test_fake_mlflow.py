"""The fake MLflow refuses what MLflow's tracking server refuses (tests/support/mlflowserver.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.mlflowserver import FakeMlflow, fake_mlflow

API = "/api/2.0/mlflow/"


@pytest.fixture
def mlflow() -> Iterator[tuple[FakeMlflow, str]]:
    with fake_mlflow(has_experiment=True) as served:
        yield served


def post(base: str, path: str, body: object, **options: Any) -> requests.Response:
    return requests.post(f"{base}{API}{path}", json=body, timeout=10, **options)


def started_run(base: str) -> str:
    answer = post(base, "runs/create", {"experiment_id": "7", "start_time": 1767225600000})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["run"]["info"]["run_id"])


def test_an_unknown_endpoint_is_endpoint_not_found(mlflow: tuple[FakeMlflow, str]) -> None:
    fake, base = mlflow
    answer = post(base, "runs/log-everything", {})
    assert answer.status_code == 404
    assert answer.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert requests.get(f"{base}/api/2.0/other", timeout=10).status_code == 404
    assert [code for _, _, code in fake.refused] == ["ENDPOINT_NOT_FOUND"] * 2


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "runs/create"), ("PUT", "runs/log-batch"), ("POST", "experiments/get-by-name")],
)
def test_a_known_endpoint_with_another_method_is_405(
    mlflow: tuple[FakeMlflow, str], method: str, path: str
) -> None:
    fake, base = mlflow
    answer = requests.request(method, f"{base}{API}{path}", json={}, timeout=10)
    assert answer.status_code == 405
    assert fake.refused == [(method, path, "METHOD_NOT_ALLOWED")]


def test_a_post_must_be_a_json_object(mlflow: tuple[FakeMlflow, str]) -> None:
    fake, base = mlflow
    url = f"{base}{API}experiments/create"
    form = requests.post(url, data={"name": "x"}, timeout=10)
    not_json = requests.post(
        url, data=b"name=x", headers={"Content-Type": "application/json"}, timeout=10
    )
    a_list = post(base, "experiments/create", ["x"])
    for answer in (form, not_json, a_list):
        assert answer.status_code == 400
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "Content-Type must be" in form.json()["message"]
    assert fake.experiments == {"cipipe-risk-model": "7"}


def test_required_fields_and_unknown_ids(mlflow: tuple[FakeMlflow, str]) -> None:
    _, base = mlflow
    missing = requests.get(f"{base}{API}experiments/get-by-name", timeout=10)
    assert missing.status_code == 400
    assert "experiment_name" in missing.json()["message"]
    unknown = post(base, "runs/create", {"experiment_id": "99"})
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    no_run = post(base, "runs/log-batch", {"run_id": "nope", "metrics": []})
    assert (no_run.status_code, no_run.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    twice = post(base, "experiments/create", {"name": "cipipe-risk-model"})
    assert (twice.status_code, twice.json()["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")


def metric(key: str = "test.auc", value: object = 0.7, **extra: object) -> dict[str, object]:
    return {"key": key, "value": value, "timestamp": 1767225600000, "step": 0, **extra}


@pytest.mark.parametrize(
    ("batch", "text"),
    [
        ({"metrics": [metric(value="high")]}, "invalid value"),
        ({"metrics": [metric(value=True)]}, "invalid value"),
        ({"metrics": [metric(timestamp=-1)]}, "invalid timestamp"),
        ({"metrics": [metric(timestamp=1.5)]}, "invalid timestamp"),
        ({"metrics": [metric(key="a,b")]}, "Invalid metric name"),
        ({"metrics": [metric(key="../up")]}, "Invalid metric name"),
        ({"metrics": [metric(key="k" * 251)]}, "had length 251"),
        ({"metrics": [metric(key=f"m{i}") for i in range(1001)]}, "at most 1000 metrics"),
        ({"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]}, "at most 100 params"),
        ({"params": [{"key": "p", "value": "v" * 6001}]}, "over 6000"),
        ({"params": [{"key": "p", "value": 7}]}, "is not a string"),
        ({"params": [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]}, "Duplicate"),
        ({"tags": [{"key": "t", "value": "v" * 5001}]}, "over 5000"),
        ({"metrics": {"test.auc": 0.7}}, "a list of objects"),
        (
            {
                "metrics": [metric(key=f"m{i}") for i in range(900)],
                "params": [{"key": f"p{i}", "value": "v"} for i in range(100)],
                "tags": [{"key": "t", "value": "v"}],
            },
            "at most 1000 items",
        ),
    ],
)
def test_log_batch_is_validated_as_mlflow_does(
    mlflow: tuple[FakeMlflow, str], batch: dict[str, object], text: str
) -> None:
    fake, base = mlflow
    run_id = started_run(base)
    answer = post(base, "runs/log-batch", {"run_id": run_id, **batch})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert text in answer.json()["message"]
    assert fake.runs[run_id]["metrics"] == [] and fake.runs[run_id]["params"] == {}


def test_a_logged_param_cannot_change(mlflow: tuple[FakeMlflow, str]) -> None:
    _, base = mlflow
    run_id = started_run(base)
    same = {"run_id": run_id, "params": [{"key": "seed", "value": "0"}]}
    assert post(base, "runs/log-batch", same).status_code == 200
    assert post(base, "runs/log-batch", same).status_code == 200  # idempotent
    changed = {"run_id": run_id, "params": [{"key": "seed", "value": "1"}]}
    assert post(base, "runs/log-batch", changed).status_code == 400


def test_a_batch_over_one_megabyte_is_refused(mlflow: tuple[FakeMlflow, str]) -> None:
    _, base = mlflow
    run_id = started_run(base)
    params = [{"key": f"p{i}", "value": "v" * 5999} for i in range(100)]
    answer = post(base, "runs/log-batch", {"run_id": run_id, "params": params})
    assert answer.status_code == 200  # 600 KB
    tags = [{"key": f"t{i}", "value": "v" * 4999} for i in range(100)]
    big = post(base, "runs/log-batch", {"run_id": run_id, "params": params, "tags": tags})
    assert big.status_code == 400 and "at most 1000000 bytes" in big.json()["message"]


@pytest.mark.parametrize("update", [{"status": "DONE"}, {"end_time": "soon"}, {}])
def test_run_update_is_validated(mlflow: tuple[FakeMlflow, str], update: dict[str, str]) -> None:
    _, base = mlflow
    run_id = started_run(base)
    body = {"run_id": run_id, **update} if update else {"status": "FINISHED"}
    assert post(base, "runs/update", body).status_code == 400
    assert post(base, "runs/update", {"run_id": run_id, "status": "FINISHED"}).status_code == 200
