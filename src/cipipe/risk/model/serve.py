"""The model service (``cipipe model serve``): the approved model scores over HTTP.

The seed's Jenkins stage "runs the heuristic OR calls the model service". The service answers

- ``POST /v1/score`` with a risk-inputs-for-decision document (the file decide-strategy writes
  and reads): the score, the model's version and approval, and the model's explanation
  (``contracts.model_score``); 400 when the body is not a JSON document, 422 naming the field
  a valid document lacks, 413 past ``MAX_REQUEST_BYTES``, 503 while no approved model can score;
- ``GET /v1/model``: the version the policy references, its approval, whether it can score;
- ``GET /healthz``: 200 while an approved model can score, else 503 with the reason.

The model is chosen exactly as decide-strategy's local path chooses it
(``decision_score.load_referenced``): the version the policy references, approved in the registry's
model.json and in the history store's model approvals log. It is chosen again when the registry
changes (``cipipe model promote`` writes it) and, while none can score, on every request, since
the history store may catch up after the registry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cipipe.contracts.loading import contract_from_text
from cipipe.contracts.model_score import ModelScore
from cipipe.contracts.risk_decision import RiskInputsForDecision
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.errors import InputError
from cipipe.risk.changes import detect
from cipipe.risk.heuristic import score, score_from
from cipipe.risk.local_http import LocalHTTPServer, bind_error
from cipipe.risk.model.decision_score import (
    ModelChoice,
    Scorer,
    StoreRow,
    model_contributors,
    model_row,
    needs_store,
)
from cipipe.risk.policy.bundle import PolicyBundle

SCORE_PATH = "/v1/score"
MODEL_PATH = "/v1/model"
HEALTH_PATH = "/healthz"
# A risk-inputs-for-decision document is a few KiB; a MiB leaves room for long path lists
# while one request cannot make the service hold an arbitrary body in memory.
MAX_REQUEST_BYTES = 1024 * 1024
# A client that stops sending mid-request holds a thread this long at most.
REQUEST_TIMEOUT_SECONDS = 30.0

log = logging.getLogger("cipipe.model.serve")

# A build's store-derived features from the history store (steps/decide_strategy/store_row.py).
StoreRowOf = Callable[[RiskInputs], StoreRow]
# The registry files whose change means "choose again": the approvals log and each model.json.
Stamp = tuple[tuple[str, int, int], ...]


def _stamp(registry: Path) -> Stamp:
    found = []
    for path in sorted([registry / "approvals.jsonl", *registry.glob("*/model.json")]):
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(found)


class ModelSource:
    """The model the policy references, as ``choose`` (``load_referenced``) gives it."""

    def __init__(self, registry: Path, choose: Callable[[], ModelChoice]) -> None:
        self.registry = registry
        self._choose = choose
        self._lock = threading.Lock()
        self._stamp = _stamp(registry)
        self._choice = choose()

    def current(self) -> ModelChoice:
        with self._lock:
            stamp = _stamp(self.registry)
            if stamp != self._stamp or self._choice.model is None:
                self._stamp = stamp
                before = self._choice
                self._choice = self._choose()
                if (before.model is None) != (self._choice.model is None):
                    log.info("model service: %s", describe(self._choice))
            return self._choice


def describe(choice: ModelChoice) -> str:
    if choice.model is None:
        return f"model {choice.version} cannot score: {choice.problem}"
    return f"approved model {choice.version} scores"


def registry_state(registry: Path, version: str) -> str:
    """The version's state in the registry's model.json: candidate, approved, retired,
    unreadable, or absent when the registry does not hold it."""
    from cipipe.risk.model.registry import Registry

    return next((e.state for e in Registry(registry).entries() if e.version == version), "absent")


def model_document(choice: ModelChoice, bundle: PolicyBundle, registry: Path) -> dict[str, Any]:
    """``GET /v1/model``: ``approval`` is the registry's word; ``usable`` adds the history
    store's model approvals log, which must vouch for the same model before it scores."""
    return {
        "version": choice.version,
        "approval": registry_state(registry, choice.version),
        "usable": choice.model is not None,
        "reason": describe(choice),
        "features": list(choice.model.features) if choice.model is not None else [],
        "policy_version": bundle.version_id,
    }


def score_document(
    text: str, model: Scorer, bundle: PolicyBundle, store_row: StoreRowOf | None = None
) -> ModelScore:
    """The model's score of one risk-inputs-for-decision document, as decide-strategy computes
    it (``decide._model_score``): InputError names the field that is wrong, LookupError the
    model input the document lacks. ``store_row`` gives a build's store-derived features (a
    ``model train --from-db`` model's) from the service's history store."""
    doc = contract_from_text(RiskInputsForDecision, text, "request body")
    inputs = doc.risk_inputs
    facts = detect(inputs.service, doc.signals, bundle)
    heuristic = score(doc.signals, facts, bundle)
    derived = store_row(inputs) if store_row and needs_store(list(model.features)) else None
    row = model_row(model.features, inputs, heuristic.risk_score, derived)
    features, probability = model_contributors(model, row, bundle)
    scored = score_from(
        features, doc.signals, facts, bundle, missing_inputs=heuristic.missing_inputs
    )
    explained = model.explain(row)
    return ModelScore(
        service=inputs.service,
        build_id=inputs.build_id,
        model_version=model.version,
        approval="approved",
        policy_version=bundle.version_id,
        risk_score=scored.risk_score,
        probability=probability,
        heuristic_score=heuristic.risk_score,
        base=explained.base,
        contributions=dict(explained.contributions),
        row=dict(row),
    )


@dataclass(frozen=True)
class Answer:
    status: int
    document: dict[str, Any]


def _error(status: int, message: str, field: str | None = None) -> Answer:
    return Answer(status, {"error": message, "field": field})


class ModelHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes (see risk/policy/service.py)
    timeout = REQUEST_TIMEOUT_SECONDS
    server: ModelServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        choice = self.server.source.current()
        if path == HEALTH_PATH:
            usable = choice.model is not None
            body = {"status": "ok" if usable else "unavailable", "reason": describe(choice)}
            self._send(Answer(200 if usable else 503, body))
        elif path == MODEL_PATH:
            document = model_document(choice, self.server.bundle, self.server.source.registry)
            self._send(Answer(200, document))
        else:
            self._send(_error(404, f"not found; try POST {SCORE_PATH} or GET {MODEL_PATH}"))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path != SCORE_PATH:
            self._send(_error(404, f"not found; try POST {SCORE_PATH}"))
            return
        text = self._body()
        if isinstance(text, Answer):
            self._send(text)
            return
        self._send(self._score(text))

    def _body(self) -> str | Answer:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return _error(411, "a Content-Length is required")
        if int(length) > MAX_REQUEST_BYTES:
            self.close_connection = True  # the body is left unread: this connection is done
            return _error(413, f"the body is {length} bytes; at most {MAX_REQUEST_BYTES}")
        raw = self.rfile.read(int(length))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(400, f"the body is not UTF-8 (byte {exc.start})")

    def _score(self, text: str) -> Answer:
        choice = self.server.source.current()
        if choice.model is None:
            return _error(503, describe(choice))
        try:
            # One booster, one prediction at a time: LightGBM's thread-safety is not ours to bet.
            with self.server.scoring:
                answer = score_document(
                    text, choice.model, self.server.bundle, self.server.store_row
                )
        except InputError as exc:
            # Not JSON (or not a JSON object) is a bad request; a valid JSON document that
            # does not fit the contract names its field.
            expected = f" (expected {exc.expected})" if exc.expected else ""
            return _error(422 if exc.field else 400, exc.detail + expected, exc.field)
        except LookupError as exc:
            return _error(422, str(exc).strip("'\""))
        return Answer(200, json.loads(answer.to_json()))

    def _send(self, answer: Answer) -> None:
        body = json.dumps(answer.document, indent=2).encode("utf-8") + b"\n"
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # One request per connection: a decision asks once, and an idle keep-alive connection
        # would hold a stop (which waits for the requests in flight) for the whole timeout.
        self.close_connection = True
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("model service: " + format, *args)


class ModelServer(LocalHTTPServer):
    # A stop waits for the requests in flight (each bounded by REQUEST_TIMEOUT_SECONDS) rather
    # than cutting their answers off.
    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        source: ModelSource,
        bundle: PolicyBundle,
        host: str,
        port: int,
        store_row: StoreRowOf | None = None,
    ) -> None:
        self.source = source
        self.bundle = bundle
        self.store_row = store_row
        self.scoring = threading.Lock()
        super().__init__(host, port, ModelHandler)

    @property
    def url(self) -> str:
        return self.base_url


def serve_model(
    source: ModelSource,
    bundle: PolicyBundle,
    host: str,
    port: int,
    store_row: StoreRowOf | None = None,
) -> ModelServer:
    """A bound, not yet running server (port 0 picks a free port); call ``serve_forever``.
    ``store_row``: a build's store-derived features, read from the history store."""
    try:
        return ModelServer(source, bundle, host, port, store_row)
    except OSError as exc:
        raise bind_error(host, port, exc) from None
