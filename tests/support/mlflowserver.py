"""A fake MLflow tracking server on 127.0.0.1: the REST API 2.0 calls cipipe makes, as MLflow
checks them.

Routes (``/api/2.0/mlflow/...``): ``GET experiments/get-by-name``, ``POST experiments/create``,
``POST runs/create``, ``POST runs/log-batch``, ``POST runs/update``. Like MLflow's server it
answers an unknown path 404 ``ENDPOINT_NOT_FOUND``, a known path with another method 405, a
POST that is not ``Content-Type: application/json`` or not a JSON object 400, and what
``mlflow.utils.validation`` refuses 400 ``INVALID_PARAMETER_VALUE``: a missing required field,
names outside ``[/\\w.\\- ]`` or longer than 250, param values over 6,000 characters, tag
values over 5,000, metric values that are not numbers, negative or non-integer timestamps,
batches over 1,000 metrics / 100 params / 100 tags / 1,000 items / 1 MB, a param key twice in a
batch or changed once logged, an unknown run status. An unknown experiment or run is 404
``RESOURCE_DOES_NOT_EXIST``, an existing experiment name 400 ``RESOURCE_ALREADY_EXISTS``.
Every request refused as malformed is also kept in ``refused``.
"""

from __future__ import annotations

import json
import posixpath
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import send, serve_http

PREFIX = "/api/2.0/mlflow/"
_NAME = re.compile(r"^[/\w.\- ]*$")
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
MAX_KEY, MAX_PARAM_VALUE, MAX_TAG_VALUE = 250, 6000, 5000
MAX_METRICS, MAX_PARAMS_TAGS, MAX_ITEMS, MAX_BATCH_BYTES = 1000, 100, 1000, 1_000_000
# A request MLflow refuses as such (not an answer about data, like an unknown experiment).
MALFORMED = ("ENDPOINT_NOT_FOUND", "METHOD_NOT_ALLOWED", "INVALID_PARAMETER_VALUE")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def invalid(message: str) -> Refused:
    return Refused(400, "INVALID_PARAMETER_VALUE", message)


@dataclass
class FakeMlflow:
    """Records every request as (method, path below the API prefix, body or query)."""

    has_experiment: bool = False
    fail: str | None = None
    """A path answered 500 INTERNAL_ERROR."""
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, error code) of every request MLflow would refuse."""
    experiments: dict[str, str] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.has_experiment:
            self.experiments["cipipe-risk-model"] = "7"

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        path = url.path.removeprefix(PREFIX) if url.path.startswith(PREFIX) else url.path
        body: dict[str, Any] = {}
        with self._lock:
            try:
                handler = self._route(h.command, path, url.path)
                body = self._body(h, url.query, raw)
                if path == self.fail:
                    raise Refused(500, "INTERNAL_ERROR", "injected failure")
                status, reply = 200, handler(body, raw)
            except Refused as refusal:
                if refusal.code in MALFORMED:
                    self.refused.append((h.command, path, refusal.code))
                status, reply = (
                    refusal.status,
                    {"error_code": refusal.code, "message": str(refusal)},
                )
            finally:
                self.requests.append((h.command, path, body))
        if status == 405:
            return send(h, 405, "Method Not Allowed", "text/html; charset=utf-8")
        return send(h, status, reply)

    def _body(self, h: BaseHTTPRequestHandler, query: str, raw: bytes) -> dict[str, Any]:
        if h.command == "GET":
            return {k: v[0] for k, v in parse_qs(query).items()}
        media = h.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if h.command == "POST" and media != "application/json":
            raise invalid("Bad Request. Content-Type must be one of ['application/json']")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise invalid("Malformed request body: it is not JSON") from None
        if not isinstance(body, dict):
            raise invalid("Malformed request body: it is not a JSON object")
        return body

    def _route(self, method: str, path: str, full: str) -> Callable[[dict[str, Any], bytes], Any]:
        routes: dict[str, tuple[str, Callable[[dict[str, Any], bytes], Any]]] = {
            "experiments/get-by-name": ("GET", self._get_experiment),
            "experiments/create": ("POST", self._create_experiment),
            "runs/create": ("POST", self._create_run),
            "runs/log-batch": ("POST", self._log_batch),
            "runs/update": ("POST", self._update_run),
        }
        if not full.startswith(PREFIX) or path not in routes:
            raise Refused(404, "ENDPOINT_NOT_FOUND", f"No API endpoint at {full}")
        wanted, handler = routes[path]
        if method != wanted:
            raise Refused(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {full}")
        return handler

    def _get_experiment(self, body: dict[str, Any], raw: bytes) -> Any:
        name = _required(body, "experiment_name", str)
        if name not in self.experiments:
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"Experiment '{name}' does not exist.")
        return {"experiment": {"experiment_id": self.experiments[name], "name": name}}

    def _create_experiment(self, body: dict[str, Any], raw: bytes) -> Any:
        name = _required(body, "name", str)
        if not name or len(name) > 500:
            raise invalid(f"Invalid experiment name: '{name}'")
        if name in self.experiments:
            raise Refused(400, "RESOURCE_ALREADY_EXISTS", f"Experiment '{name}' already exists.")
        self.experiments[name] = str(8 + len(self.experiments))
        return {"experiment_id": self.experiments[name]}

    def _create_run(self, body: dict[str, Any], raw: bytes) -> Any:
        experiment_id = _required(body, "experiment_id", str)
        if experiment_id not in self.experiments.values():
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"No experiment {experiment_id}")
        if "start_time" in body:
            _timestamp(body["start_time"], "start_time")
        if "run_name" in body and not isinstance(body["run_name"], str):
            raise invalid("run_name is not a string")
        tags = _entries(body, "tags", MAX_ITEMS)
        for tag in tags:
            _key_value(tag, "Tag", MAX_TAG_VALUE)
        run_id = f"r{len(self.runs) + 1}"
        info = {"run_id": run_id, "experiment_id": experiment_id, "status": "RUNNING"}
        self.runs[run_id] = {"info": info, "params": {}, "metrics": [], "tags": tags}
        return {"run": {"info": info, "data": {"tags": tags}}}

    def _log_batch(self, body: dict[str, Any], raw: bytes) -> Any:
        if len(raw) > MAX_BATCH_BYTES:
            raise invalid(f"Batched logging API requests must be at most {MAX_BATCH_BYTES} bytes")
        run = self._run(body)
        metrics = _entries(body, "metrics", MAX_METRICS)
        params = _entries(body, "params", MAX_PARAMS_TAGS)
        tags = _entries(body, "tags", MAX_PARAMS_TAGS)
        if len(metrics) + len(params) + len(tags) > MAX_ITEMS:
            raise invalid(f"A batch logging request can contain at most {MAX_ITEMS} items")
        for metric in metrics:
            _metric(metric)
        keys = [_key_value(p, "Param", MAX_PARAM_VALUE)[0] for p in params]
        if len(set(keys)) != len(keys):
            raise invalid("Duplicate parameter keys have been submitted")
        for param in params:
            old = run["params"].get(param["key"])
            if old is not None and old != param["value"]:
                raise invalid(f"Changing param values is not allowed: {param['key']}")
        for tag in tags:
            _key_value(tag, "Tag", MAX_TAG_VALUE)
        run["params"].update({p["key"]: p["value"] for p in params})
        run["metrics"].extend(metrics)
        return {}

    def _update_run(self, body: dict[str, Any], raw: bytes) -> Any:
        run = self._run(body)
        if "status" in body and body["status"] not in RUN_STATUSES:
            raise invalid(f"Invalid run status {body['status']!r}")
        if "end_time" in body:
            _timestamp(body["end_time"], "end_time")
        run["info"]["status"] = body.get("status", run["info"]["status"])
        return {"run_info": run["info"]}

    def _run(self, body: dict[str, Any]) -> dict[str, Any]:
        run_id = _required(body, "run_id", str)
        if run_id not in self.runs:
            raise Refused(404, "RESOURCE_DOES_NOT_EXIST", f"Run '{run_id}' not found")
        return self.runs[run_id]


def _required(body: dict[str, Any], name: str, kind: type) -> Any:
    if name not in body or body[name] in ("", None):
        raise invalid(f"Missing value for required parameter '{name}'.")
    if not isinstance(body[name], kind):
        raise invalid(f"Invalid value {body[name]!r} for parameter '{name}'")
    return body[name]


def _entries(body: dict[str, Any], name: str, limit: int) -> list[dict[str, Any]]:
    entries = body.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise invalid(f"Invalid value for parameter '{name}': a list of objects is expected")
    if len(entries) > limit:
        raise invalid(f"A batch logging request can contain at most {limit} {name}.")
    return entries


def _name(key: Any, what: str) -> str:
    if not isinstance(key, str) or not key:
        raise invalid(f"{what} name cannot be None. A key name must be provided.")
    normal = posixpath.normpath(key)
    if not _NAME.match(key) or normal != key or normal == "." or normal.startswith(("..", "/")):
        raise invalid(f"Invalid {what.lower()} name: '{key}'.")
    if len(key) > MAX_KEY:
        raise invalid(f"{what} key '{key[:250]}' had length {len(key)}, over {MAX_KEY}")
    return key


def _key_value(entry: dict[str, Any], what: str, max_value: int) -> tuple[str, str]:
    key = _name(entry.get("key"), what)
    value = entry.get("value")
    if not isinstance(value, str):
        raise invalid(f"{what} value for '{key}' is not a string")
    if len(value) > max_value:
        raise invalid(f"{what} value had length {len(value)}, over {max_value}")
    return key, value


def _metric(metric: dict[str, Any]) -> None:
    key = _name(metric.get("key"), "Metric")
    value = metric.get("value")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric and value not in ("NaN", "Infinity", "-Infinity"):
        raise invalid(f"Got invalid value {value!r} for metric '{key}'")
    _timestamp(metric.get("timestamp"), f"timestamp of metric '{key}'")
    step = metric.get("step", 0)
    if (
        isinstance(step, bool)
        or not isinstance(step, int | str)
        or not str(step).lstrip("-").isdigit()
    ):
        raise invalid(f"Got invalid step {step!r} for metric '{key}'")


def _timestamp(value: Any, what: str) -> None:
    """An int64 in milliseconds, as a number or (protobuf JSON) a string of digits."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise invalid(f"Got invalid {what} {value!r}: a nonnegative long is expected")


@contextmanager
def fake_mlflow(**options: Any) -> Iterator[tuple[FakeMlflow, str]]:
    """A FakeMlflow served on a free loopback port, and its tracking URI."""
    fake = FakeMlflow(**options)
    with serve_http(fake.answer) as base:
        yield fake, base
