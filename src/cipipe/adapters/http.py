"""What every HTTP adapter shares: which answers are worth a retry, and secrets in headers."""

from __future__ import annotations

import requests
from requests.auth import AuthBase

# Worth another attempt: the server is busy or briefly broken. Everything else is final.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 60.0


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, capped; the HTTP-date form falls back to our own backoff."""
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None


class HeaderAuth(AuthBase):
    """A secret in one header: ``Authorization: Bearer T`` or ``X-JFrog-Art-Api: KEY``."""

    def __init__(self, header: str, secret: str, prefix: str = "") -> None:
        self.header, self.secret, self._prefix = header, secret, prefix

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = f"{self._prefix}{self.secret}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.header}, ****)"
