"""HTTP for the Artifactory store: credentials, property escaping, and bounded retries.

Credentials come from the environment only (``auth_from_env``), never from the URL or argv, and
no message carries them: a server message that echoes one is masked. Redirects are never
followed: a key sent in ``X-JFrog-Art-Api`` would go along to whatever host the redirect names,
so a 3xx is fatal and the fix is to configure the final address.

Retries are for what a retry can fix (connection errors, timeouts, 429, 5xx), bounded by an
attempt count and by a total time, so a sick store fails a pipeline step in minutes, not hours.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from cipipe.adapters.artifact_store.interface import (
    LocalFile,
    StoreError,
    StorePathError,
    sorted_properties,
)
from cipipe.adapters.http import RETRY_STATUSES, HeaderAuth, parse_retry_after
from cipipe.errors import InputError
from cipipe.logs import MASK
from cipipe.urls import strip_credentials

log = logging.getLogger("cipipe.artifactory")

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 30.0

# Set Item Properties reads ``k=v1,v2;k2=v3`` (``|`` also separates properties) and takes a
# backslash as "the next character is literal": JFrog documents escaping ``, \ | =`` that way, and
# ``;``, the separator it recommends, needs it just as much inside a value.
_SET_PROPERTIES_SPECIAL = re.compile(r"([,|=\\;])")
# Characters Artifactory forbids in a property key (JFrog "Set Item Properties").
_FORBIDDEN_KEY = re.compile(r"[)(}{\][*+^$\\/~`!@#%&<>;=,±§\s]")
AUTH_HINT = (
    "check CIPIPE_ARTIFACTORY_TOKEN, CIPIPE_ARTIFACTORY_API_KEY, or CIPIPE_ARTIFACTORY_USER "
    "and CIPIPE_ARTIFACTORY_PASSWORD"
)


def auth_from_env(environ: Mapping[str, str] | None = None) -> AuthBase | None:
    """The credentials the environment holds, strongest first; None for anonymous access."""
    env = os.environ if environ is None else environ
    if token := env.get("CIPIPE_ARTIFACTORY_TOKEN"):
        return HeaderAuth("Authorization", token, "Bearer ")
    if api_key := env.get("CIPIPE_ARTIFACTORY_API_KEY"):
        return HeaderAuth("X-JFrog-Art-Api", api_key)
    user, password = env.get("CIPIPE_ARTIFACTORY_USER"), env.get("CIPIPE_ARTIFACTORY_PASSWORD")
    if user and password:
        return HTTPBasicAuth(user, password)
    if user or password:
        raise InputError(
            "CIPIPE_ARTIFACTORY_USER and CIPIPE_ARTIFACTORY_PASSWORD must be set together",
            expected="both, or CIPIPE_ARTIFACTORY_TOKEN, or CIPIPE_ARTIFACTORY_API_KEY",
        )
    return None


def escape_property(text: str) -> str:
    """A value for Set Item Properties' ``properties=``: its separators backslash-escaped."""
    return _SET_PROPERTIES_SPECIAL.sub(r"\\\1", text)


def check_property_key(key: str) -> str:
    if not key or _FORBIDDEN_KEY.search(key):
        raise StorePathError(
            f"property key {key!r}", expected="letters, digits, '.', '_', '-' or ':'"
        )
    return key


def encode_properties(properties: Mapping[str, str]) -> str:
    """Set Item Properties' ``properties=`` value: ``k=v;k2=v2``, each value escaped for
    Artifactory's property list, then all of it percent-encoded for the query string."""
    parts = []
    for key, value in sorted_properties(properties):
        parts.append(f"{check_property_key(key)}={escape_property(value)}")
    return quote(";".join(parts), safe="=;")


def encode_matrix_params(properties: Mapping[str, str]) -> str:
    """Deploy-time matrix parameters ``k=v;k2=v2``: keys and values percent-encoded, nothing
    backslash-escaped.

    Artifactory splits the path's matrix part on ``;``, each parameter at its first ``=``, and
    URL-decodes the value; a backslash stays in the stored value (``\\,`` is kept as typed:
    jfrog/jfrog-cli#786). Artifactory OSS ``org.artifactory.api.md.Properties.processMatrixParams``;
    jfrog/jfrog-client-go ``artifactory/services/utils/properties.go`` ``ToEncodedString(false)``
    sends the same (``url.QueryEscape`` of key and value, no escape).
    """
    return ";".join(
        f"{quote(check_property_key(key), safe=':')}={quote(value, safe='')}"
        for key, value in sorted_properties(properties)
    )


class RetryingClient:
    """Requests to one Artifactory, each retried within an attempt count and a total time."""

    def __init__(
        self,
        base_url: str,
        auth: AuthBase | None,
        *,
        timeout: float,
        max_attempts: int,
        max_total_seconds: float,
        backoff_seconds: float,
        session: requests.Session | None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        self._auth = auth
        self._secrets = [s for s in _secrets_of(auth) if s]
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._max_total = max_total_seconds
        self._backoff = backoff_seconds
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock

    def call(
        self,
        method: str,
        target: str,
        read: Callable[[requests.Response], T],
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        upload: LocalFile | None = None,
        stream: bool = False,
        missing_ok: bool = False,
    ) -> tuple[T | None, int]:
        """One request with retries: ``read`` the answer (retried too), or None on an allowed 404.

        ``upload``'s file is reopened on every attempt, so a retry sends it from the start.
        """
        url = f"{self.base_url}/{target}"
        shown = f"{method} {self.base_url}/{target.split(';', 1)[0].split('?', 1)[0]}"
        deadline = self._clock() + self._max_total
        for attempt in range(1, self._max_attempts + 1):
            timeout = max(0.001, min(self._timeout, deadline - self._clock()))
            retry_after: float | None = None
            try:
                with _Body(upload, data) as body:
                    response = self._session.request(
                        method,
                        url,
                        data=body,
                        headers=dict(headers or {}),
                        auth=self._auth,
                        timeout=timeout,
                        stream=stream,
                        allow_redirects=False,
                    )
                with response:
                    status = response.status_code
                    if status in (200, 201, 204):
                        return read(response), attempt
                    if status == 404 and missing_ok:
                        return None, attempt
                    if status not in RETRY_STATUSES:
                        raise StoreError(self._refusal(shown, response))
                    problem = f"HTTP {status}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            except requests.Timeout:
                problem = f"no answer within {timeout:g}s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                problem = "connection failed"
            self._wait_or_give_up(shown, problem, retry_after, attempt, deadline)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_or_give_up(
        self, shown: str, problem: str, retry_after: float | None, attempt: int, deadline: float
    ) -> None:
        """Sleeps before the next attempt (Retry-After when the server sent one, else the
        backoff), or raises StoreError when the attempts are spent or the wait would pass the
        deadline."""
        left = deadline - self._clock()
        if attempt == self._max_attempts:
            raise StoreError(f"{shown}: {problem} after {attempt} attempts")
        delay = retry_after if retry_after is not None else self._delay(attempt)
        if delay >= left:
            raise StoreError(
                f"{shown}: {problem}; gave up after {attempt} attempts "
                f"within the {self._max_total:g}s limit"
            )
        log.warning(
            "%s: %s; retrying in %.1fs (%d of %d)",
            shown,
            problem,
            delay,
            attempt,
            self._max_attempts,
        )
        self._sleep(delay)

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so parallel uploads do not retry in lockstep."""
        return min(MAX_BACKOFF_SECONDS, self._backoff * 2.0 ** (attempt - 1)) * random.uniform(
            0.5, 1
        )

    def _refusal(self, shown: str, response: requests.Response) -> str:
        status = response.status_code
        if status in (401, 403):
            return f"{shown}: authentication failed (HTTP {status}); {AUTH_HINT}"
        if 300 <= status < 400:
            where = strip_credentials(response.headers.get("Location", "?"))
            return f"{shown}: redirected (HTTP {status}) to {where}; configure the final URL"
        return self._mask(f"{shown}: HTTP {status}: {_server_message(response)}")

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


class _Body:
    """The request body for one attempt: the upload file reopened, the bytes, or nothing."""

    def __init__(self, upload: LocalFile | None, data: bytes | None) -> None:
        self._upload, self._data = upload, data
        self._handle: Any = None

    def __enter__(self) -> Any:
        if self._upload is None or self._upload.size == 0:
            # requests sends an empty file as chunked; an empty bytes body gets Content-Length: 0.
            return b"" if self._upload is not None else self._data
        self._handle = self._upload.path.open("rb")
        return self._handle

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def done(response: requests.Response) -> bool:
    return True


def read_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise StoreError(f"{response.request.method} answer is not JSON") from None


def _server_message(response: requests.Response) -> str:
    """Artifactory's ``errors[0].message``, else the start of the body."""
    try:
        return str(response.json()["errors"][0]["message"])[:500]
    except (ValueError, KeyError, IndexError, TypeError):
        return response.text[:200].strip() or response.reason or "no message"


def _secrets_of(auth: AuthBase | None) -> list[str]:
    if isinstance(auth, HeaderAuth):
        return [auth.secret]
    if isinstance(auth, HTTPBasicAuth):
        return [str(auth.password)]
    return []
