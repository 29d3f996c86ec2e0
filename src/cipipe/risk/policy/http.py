"""One answer of a policy server, bounded in every way a sick or hostile server could stretch it.

- One overall deadline covers name resolution, connecting, the headers, every read of the
  body, every retry and the waits between them. requests' timeouts apply per socket read (and
  not at all to name resolution), so a server that drips a byte a second would never trip
  them. Each attempt runs in a worker thread that the caller waits for only until the
  deadline; the worker's own reads are cut to what is left, so it ends soon after.
- Redirects are not followed: the policy comes from the address the pipeline was given or
  not at all, and the caller names the Location in its error.
- The body is read raw (``Accept-Encoding: identity``; a compressed answer nobody asked for
  is refused rather than inflated) up to MAX_BODY_BYTES, and its JSON nesting depth is
  checked before it is parsed, so a huge or deeply nested answer is an outside failure
  (exit 3) with a message, never a MemoryError or a RecursionError.

Only what a retry or a cached copy can stand in for (no connection, a timeout, a busy server,
the deadline) is ``Unreachable``; an answer that is wrong is an OutsideSystemError at once.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from cipipe.adapters.http import RETRY_STATUSES, parse_retry_after
from cipipe.errors import OutsideSystemError

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A policy fetch sits on every pipeline's path: wait for a busy server briefly, then fall back.
MAX_WAIT_SECONDS = 5.0
CONNECT_SECONDS = 5.0
READ_SECONDS = 30.0
DEFAULT_DEADLINE_SECONDS = 30.0
# The shipped bundle is about 10 KiB as a document and 2 levels deep; nothing legitimate comes
# near these. The cap also bounds the nesting scan, a Python loop over the brackets outside
# strings, to well under a second for the widest hostile answer.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
CHUNK_BYTES = 64 * 1024
# A JSON string (escapes included) or one bracket: brackets inside strings are not nesting.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)

log = logging.getLogger("cipipe.policy")


class Unreachable(Exception):
    """Connection failure, timeout, busy answers or the deadline: a cached copy may stand in."""


class _Retryable(Exception):
    """One attempt failed in a way the next attempt may not."""


class _OutOfTime(Exception):
    """The overall deadline passed during an attempt."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Deadline:
    """``seconds`` from now on ``clock``; every wait of the fetch is cut to what is left."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def left(self) -> float:
        return self._end - self._clock()


def fetch(
    url: str,
    safe: str,
    headers: Mapping[str, str],
    deadline: Deadline,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """The answer to GET ``url`` (``safe``: the URL without credentials, for messages), retried
    after connection errors, timeouts and busy answers while attempts and the deadline last."""
    reason = "not tried"
    for attempt in range(1, ATTEMPTS + 1):
        wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
        try:
            answer = _attempt(url, safe, headers, deadline)
        except _OutOfTime:
            raise Unreachable(
                f"no complete answer within the {deadline.seconds:g}s deadline, "
                f"in attempt {attempt} of {ATTEMPTS}"
            ) from None
        except _Retryable as exc:
            reason = str(exc)
        else:
            if answer.status not in RETRY_STATUSES:
                return answer
            reason = f"HTTP {answer.status}"
            wait = parse_retry_after(answer.headers.get("Retry-After")) or wait
        wait = min(wait, MAX_WAIT_SECONDS)
        if attempt < ATTEMPTS and wait >= deadline.left():
            raise Unreachable(
                f"{reason}; the {deadline.seconds:g}s deadline leaves no time for attempt "
                f"{attempt + 1} of {ATTEMPTS}"
            )
        if attempt < ATTEMPTS:
            log.debug("policy server %s: %s; retrying in %.1fs", safe, reason, wait)
            sleep(wait)
    raise Unreachable(f"{reason} after {ATTEMPTS} attempts")


def _attempt(url: str, safe: str, headers: Mapping[str, str], deadline: Deadline) -> Answer:
    """One GET in a worker thread, waited for until the deadline and no longer."""
    outcome: list[Answer | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_get_once(url, safe, headers, deadline))
        except BaseException as exc:  # handed to the caller's thread as it is
            outcome.append(exc)

    worker = threading.Thread(target=work, name="cipipe-policy-fetch", daemon=True)
    worker.start()
    worker.join(max(deadline.left(), 0.0))
    if not outcome:
        raise _OutOfTime  # the worker stops at its next read: the deadline has passed
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _get_once(url: str, safe: str, headers: Mapping[str, str], deadline: Deadline) -> Answer:
    left = deadline.left()
    if left <= 0:
        raise _OutOfTime
    try:
        response = requests.get(
            url,
            headers={**headers, "Accept-Encoding": "identity"},
            timeout=(min(CONNECT_SECONDS, left), min(READ_SECONDS, left)),
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout:
        if deadline.left() <= 0:
            raise _OutOfTime from None
        raise _Retryable("timed out") from None
    except requests.RequestException as exc:
        # The exception text can carry the URL; a class name cannot carry its password.
        raise _Retryable(f"connection failed: {type(exc).__name__}") from None
    with response:
        status = response.status_code
        has_body = status not in RETRY_STATUSES and not 300 <= status < 400
        body = _read_body(response, safe, deadline) if has_body else b""
        return Answer(status, response.headers, body)


def _read_body(response: requests.Response, safe: str, deadline: Deadline) -> bytes:
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise OutsideSystemError(
            f"policy server {safe} sent a {encoding[:40]}-encoded answer it was not asked for"
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(safe)
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline.left()
        if left <= 0:
            raise _OutOfTime
        chunk = _read_some(response, min(READ_SECONDS, left), deadline)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large(safe)
        chunks.append(chunk)


def _read_some(response: requests.Response, wait: float, deadline: Deadline) -> bytes:
    """What the server has sent so far (one socket read), waiting at most ``wait`` seconds."""
    raw = response.raw
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(wait, 0.001))
    try:
        return bytes(raw.read1(CHUNK_BYTES, decode_content=False))
    except (ReadTimeoutError, TimeoutError):
        if deadline.left() <= 0:
            raise _OutOfTime from None
        raise _Retryable("timed out reading the answer") from None
    except (Urllib3Error, OSError) as exc:
        raise _Retryable(f"connection failed: {type(exc).__name__}") from None


def _too_large(safe: str) -> OutsideSystemError:
    return OutsideSystemError(
        f"policy server {safe} sent an answer larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB"
    )


def parse_json(body: bytes, safe: str) -> Any:
    """``body`` as JSON, refusing nesting deeper than MAX_JSON_DEPTH before parsing it."""
    depth = 0
    for token in _JSON_TOKEN.finditer(body):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise OutsideSystemError(
                    f"policy server {safe} sent JSON nested deeper than {MAX_JSON_DEPTH} levels"
                )
        elif char in (b"]", b"}"):
            depth -= 1
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise OutsideSystemError(f"policy server {safe} sent an answer that is not JSON") from None
