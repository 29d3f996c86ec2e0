"""HTTP to GitHub's REST API: the token, the headers, bounded retries, and Link-header pages.

Endpoints live elsewhere (``rest.py`` for PR feedback; ``cipipe setup github`` adds webhooks and
branch protection the same way): each is one ``request`` or ``pages`` call with a ``what`` that
names the thing in messages, so every endpoint gets the same retries and the same errors.

The token goes out in ``Authorization: Bearer`` only, and only to ``api_url``: redirects are
never followed, and a next-page link to any other address is refused. No message or log line
carries the token; a server message that echoes it is masked.

Retries are for what a retry can fix: connection errors, timeouts, 5xx, 429, and GitHub's rate
limits (403 or 429 with Retry-After, or with ``x-ratelimit-remaining: 0`` until
``x-ratelimit-reset``; 403 naming the secondary rate limit). Attempts are bounded and each wait
is capped at ``max_wait``; a primary limit that resets later than that fails at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from cipipe import __version__
from cipipe.adapters.github.interface import GitHubError
from cipipe.adapters.http import RETRY_STATUSES, HeaderAuth, parse_retry_after
from cipipe.errors import InputError
from cipipe.logs import MASK
from cipipe.urls import strip_credentials

log = logging.getLogger("cipipe.github")

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: "wait for at least one minute" when it names no time
MAX_BACKOFF_SECONDS = 30.0
TOKEN_HINT = "check GITHUB_TOKEN"


@dataclass(frozen=True)
class _Rechecked:
    """What ``recheck`` found after an answer that left unclear whether a POST took effect."""

    value: Any


class GitHubClient:
    """Requests to one GitHub (github.com or an Enterprise ``https://HOST/api/v3``)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        attempts: int = 4,
        max_wait: float = 60.0,
        timeout: float = 30.0,
        backoff_seconds: float = 1.0,
        per_page: int = 100,
        max_pages: int = 50,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not token or any(c.isspace() for c in token):
            raise InputError("GITHUB_TOKEN is empty or holds whitespace", field="GITHUB_TOKEN")
        if not api_url.startswith(("https://", "http://")):
            raise InputError(
                f"GitHub API URL {strip_credentials(api_url)!r}",
                field="api_url",
                expected="https://api.github.com or https://HOST/api/v3",
            )
        self.api_url = api_url.rstrip("/")
        self.shown_url = strip_credentials(self.api_url)
        self._token = token
        self._attempts = max(1, attempts)
        self._max_wait = max(0.0, max_wait)
        self._timeout = timeout
        self._backoff = backoff_seconds
        self._per_page = min(100, max(1, per_page))
        self._max_pages = max(1, max_pages)
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"cipipe/{__version__}",
            }
        )
        self._auth = HeaderAuth("Authorization", token, "Bearer ")
        self._sleep = sleep
        self._now = now

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.shown_url!r}, token=****)"

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        recheck: Callable[[], Any] | None = None,
    ) -> Any:
        """One call, retried; the decoded JSON answer, or None for an empty one (204).

        ``recheck`` makes a non-idempotent call (a POST that creates) safe to retry: after a 5xx
        or a lost connection, before sending again, it looks for what the call would have made;
        a non-None answer is returned instead of sending twice.
        """
        answer = self._send(method, f"{self.api_url}{path}", what, json, params, recheck)
        if isinstance(answer, _Rechecked):
            return answer.value
        return _decode(answer, f"{method} {self.shown_url}{path}")

    def pages(
        self, path: str, *, what: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"`` for ``max_pages``."""
        url: str | None = f"{self.api_url}{path}"
        query: Mapping[str, str | int] | None = {**(params or {}), "per_page": self._per_page}
        for _ in range(self._max_pages):
            assert url is not None
            response = self._send("GET", url, what, None, query, None)
            assert isinstance(response, requests.Response)
            items = _decode(response, f"GET {self.shown_url}{path}")
            if not isinstance(items, list):
                raise GitHubError(f"GitHub GET {self.shown_url}{path}: the answer is not a list")
            yield from items
            url = response.links.get("next", {}).get("url")
            if not url:
                return
            if not url.startswith(f"{self.api_url}/"):
                raise GitHubError(
                    f"GitHub GET {self.shown_url}{path}: the next page link leaves "
                    f"{self.shown_url}; refusing to send the token there"
                )
            query = None  # the link carries the query
        log.warning("%s: stopped after %d pages of %d", what, self._max_pages, self._per_page)

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str | int] | None,
        recheck: Callable[[], Any] | None,
    ) -> requests.Response | _Rechecked:
        shown = f"{method} {strip_credentials(url.split('?', 1)[0])}"
        for attempt in range(1, self._attempts + 1):
            wait: float | None = None
            unsure = True  # the request may have taken effect
            try:
                response = self._session.request(
                    method,
                    url,
                    json=body,
                    params=params,
                    auth=self._auth,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.ConnectTimeout:
                problem, unsure = f"no connection within {self._timeout:g}s", False
            except requests.Timeout:
                problem = f"no answer within {self._timeout:g}s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                problem = "connection failed"
            else:
                if response.status_code < 300:
                    return response
                retry = self._retry(response, shown)
                if retry is None:
                    raise GitHubError(
                        self._refusal(shown, what, response), status=response.status_code
                    )
                problem, wait = retry
                unsure = response.status_code >= 500
            if attempt == self._attempts:
                raise GitHubError(f"GitHub {shown}: {problem} after {attempt} attempts")
            delay = min(self._max_wait, wait if wait is not None else self._backoff_for(attempt))
            log.warning(
                "GitHub %s: %s; retrying in %.1fs (%d of %d)",
                shown,
                problem,
                delay,
                attempt,
                self._attempts,
            )
            self._sleep(delay)
            if unsure and recheck is not None and (found := recheck()) is not None:
                log.info("GitHub %s: the earlier attempt took effect; not sending again", shown)
                return _Rechecked(found)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry(self, response: requests.Response, shown: str) -> tuple[str, float | None] | None:
        """(problem, seconds to wait or None for our backoff) when a retry can help."""
        status, headers = response.status_code, response.headers
        if status in (403, 429):
            reset = headers.get("x-ratelimit-reset")
            if headers.get("x-ratelimit-remaining") == "0" and reset and reset.isdigit():
                wait = max(0.0, int(reset) - self._now()) + 1.0
                if wait > self._max_wait:
                    until = datetime.fromtimestamp(int(reset), UTC).strftime("%H:%M:%SZ")
                    raise GitHubError(
                        f"GitHub {shown}: the API rate limit is used up until {until}, "
                        f"more than the {self._max_wait:g}s this step waits"
                    )
                return f"rate limit (HTTP {status})", wait
            retry_after = parse_retry_after(headers.get("Retry-After"))
            if retry_after is not None:
                return f"secondary rate limit (HTTP {status})", retry_after
            if "secondary rate limit" in _message(response).lower():
                return f"secondary rate limit (HTTP {status})", SECONDARY_LIMIT_WAIT
            if status == 403:
                return None
        if status in RETRY_STATUSES:
            return f"HTTP {status}", parse_retry_after(headers.get("Retry-After"))
        return None

    def _backoff_for(self, attempt: int) -> float:
        """Exponential backoff with jitter."""
        base = min(MAX_BACKOFF_SECONDS, self._backoff * 2.0 ** (attempt - 1))
        return base * random.uniform(0.5, 1)

    def _refusal(self, shown: str, what: str, response: requests.Response) -> str:
        status = response.status_code
        message = self._mask(_message(response))
        if status == 401:
            return f"GitHub refused the token (401) for {shown}; {TOKEN_HINT}"
        if status == 403:
            return (
                f"GitHub refused {what} (403: {message}); the token may lack the permission "
                f"({shown})"
            )
        if status == 404:
            return (
                f"GitHub has no {what} (404 from {shown}); check the repository and number, "
                "and that the token can see the repository"
            )
        if 300 <= status < 400:
            where = strip_credentials(response.headers.get("Location", "?"))
            return f"GitHub {shown}: redirected (HTTP {status}) to {where}; configure the API URL"
        return f"GitHub {shown}: {what}: HTTP {status}: {message}"

    def _mask(self, text: str) -> str:
        return text.replace(self._token, MASK)


def _message(response: requests.Response) -> str:
    """GitHub's ``message`` (with its first validation error), else the start of the body."""
    try:
        data = response.json()
        text = str(data["message"])
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            detail = first.get("message") or first.get("code") if isinstance(first, dict) else first
            text += f": {detail}"
        return text[:500]
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.text[:200].strip() or response.reason or "no message"


def _decode(response: requests.Response, shown: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise GitHubError(f"GitHub {shown}: the answer is not JSON") from None
