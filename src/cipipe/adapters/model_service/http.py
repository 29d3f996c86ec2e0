"""The model service over HTTP: ``POST <url>/v1/score``, bounded by one overall deadline.

The deadline covers everything: name resolution, connecting, sending, the headers, the body,
every retry and the waits between them. requests' timeouts apply per socket operation (and not
at all to name resolution), so the attempts run in a worker thread that the caller waits for
until the deadline and no longer; each attempt's own timeouts are cut to what is left, so the
worker ends soon after. A decision never waits on a sick service longer than it was told to.

Connection failures, timeouts and busy answers (429, 5xx) are retried while attempts and the
deadline last; any other answer that is not 200 with a valid ``cipipe.model-score/1`` document
is final. Redirects are not followed, and no proxy is used: the service is on the agent's own
network (and 127.0.0.1 by default).

The client is the standard library's ``http.client``, not requests: the point of the service is
a decision that does not pay for loading a model, and importing requests (urllib3,
charset_normalizer, cookies) costs that decision another 50 to 150 ms.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from http.client import HTTPConnection, HTTPException, HTTPResponse, HTTPSConnection
from typing import Any
from urllib.parse import unquote, urlsplit

from cipipe.adapters.model_service.interface import ModelServiceFailed
from cipipe.contracts.loading import contract_from_text
from cipipe.contracts.model_score import ModelScore
from cipipe.errors import InputError
from cipipe.urls import strip_credentials

SCORE_PATH = "/v1/score"
# adapters.http.RETRY_STATUSES, restated: that module imports requests, which this one avoids.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 3
BACKOFF_SECONDS = 0.1
# A score is a few hundred bytes; anything near this is not one.
MAX_ANSWER_BYTES = 256 * 1024
CHUNK_BYTES = 16 * 1024
_SHOWN = 200  # characters of a server's error message kept in the reason


class _Retryable(Exception):
    """This attempt failed in a way the next one may not."""


def check_url(url: str) -> str:
    """The service's base URL as given, refused (exit 2) unless http(s)://HOST[:PORT][/PATH]."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query
        parts.port  # noqa: B018  (raises ValueError on a port that is not one)
    except ValueError:
        valid = False
    if not valid:
        raise InputError(
            f"{strip_credentials(url)!r} is not a model service URL",
            field="--model-url",
            expected="http(s)://HOST:PORT of `cipipe model serve`",
        )
    return url.rstrip("/")


class HttpModelService:
    def __init__(
        self,
        url: str,
        deadline_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base = check_url(url)
        self._parts = urlsplit(base)
        self._where = strip_credentials(base)
        self._headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        if self._parts.username is not None:  # http://user:token@host: basic auth, as requests
            pair = f"{unquote(self._parts.username)}:{unquote(self._parts.password or '')}"
            token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        self.deadline_seconds = deadline_seconds
        self._clock = clock
        self._sleep = sleep

    @property
    def where(self) -> str:
        return self._where

    def score(self, document: str) -> ModelScore:
        end = self._clock() + self.deadline_seconds
        outcome: list[ModelScore | BaseException] = []

        def work() -> None:
            try:
                outcome.append(self._attempts(document.encode("utf-8"), end))
            except BaseException as exc:  # handed to the caller's thread as it is
                outcome.append(exc)

        worker = threading.Thread(target=work, name="cipipe-model-score", daemon=True)
        worker.start()
        worker.join(max(end - self._clock(), 0.0))
        if not outcome:
            raise ModelServiceFailed(self._late())
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _late(self) -> str:
        return f"no answer within the {self.deadline_seconds:g} s deadline"

    def _attempts(self, body: bytes, end: float) -> ModelScore:
        reason = "not tried"
        for attempt in range(1, ATTEMPTS + 1):
            left = end - self._clock()
            if left <= 0:
                raise ModelServiceFailed(f"{self._late()} ({reason})")
            try:
                return self._attempt(body, left)
            except _Retryable as exc:
                reason = str(exc)
            wait = min(BACKOFF_SECONDS * 2 ** (attempt - 1), end - self._clock())
            if attempt < ATTEMPTS and wait > 0:
                self._sleep(wait)
        raise ModelServiceFailed(f"{reason}, {ATTEMPTS} attempts")

    def _attempt(self, body: bytes, left: float) -> ModelScore:
        parts = self._parts
        kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        try:
            # The timeout bounds the connect and every read; the caller's join bounds the sum.
            connection = kind(parts.hostname or "", parts.port, timeout=left)
            try:
                connection.request("POST", parts.path + SCORE_PATH, body, self._headers)
                response = connection.getresponse()
                status = response.status
                text = _read(response)
            finally:
                connection.close()
        except TimeoutError:
            raise _Retryable("timed out") from None
        except (OSError, HTTPException, ValueError) as exc:
            # Its text can carry the address; the class name says enough and carries nothing.
            raise _Retryable(f"cannot connect ({type(exc).__name__})") from None
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}{_said(text)}")
        if status != 200:
            raise ModelServiceFailed(f"HTTP {status}{_said(text)}")
        try:
            return contract_from_text(ModelScore, text, "answer")
        except InputError as exc:
            raise ModelServiceFailed(f"malformed answer: {str(exc)[:_SHOWN]}") from None


def _read(response: HTTPResponse) -> str:
    """The answer's text, refused past MAX_ANSWER_BYTES (a service gone wrong, not a score)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ModelServiceFailed(f"an answer larger than {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _said(text: str) -> str:
    """The service's own error message, when its answer is the service's JSON error."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return ""
    message = data.get("error") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return ""
    field = data.get("field")
    where = f"{field}: " if isinstance(field, str) and field else ""
    return f": {where}{message}"[: _SHOWN + 2]
