"""Bounded retries for the Slack clients, built on slack_sdk's own retry handlers.

429 answers honour Retry-After, but never wait longer than ``max_wait`` (a build must not hang on
a chat message); 500/502/503/504 and dropped connections are retried with a capped backoff.
Every handler counts its retries, so a Delivery can say how many attempts it took.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from cipipe.adapters.http import RETRY_STATUSES, parse_retry_after

SERVER_ERROR_STATUSES = RETRY_STATUSES - {429}


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3  # per kind of trouble (rate limit, server error, connection)
    max_wait: float = 30.0  # seconds, the most any one wait may take, Retry-After included
    backoff: float = 0.5  # seconds before the first retry of a server or connection error


class RetryCounter:
    def __init__(self) -> None:
        self.retries = 0


class _CappedRateLimit(RateLimitErrorRetryHandler):
    def __init__(self, policy: RetryPolicy, counter: RetryCounter) -> None:
        super().__init__(max_retry_count=policy.max_retries)
        self._policy, self._counter = policy, counter

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = parse_retry_after(_retry_after(response))
        state.next_attempt_requested = True
        time.sleep(min(1.0 if wait is None else wait, self._policy.max_wait))
        state.increment_current_attempt()
        self._counter.retries += 1


class _CappedBackoff(RetryHandler):
    """Retries after the handler's backoff, never longer than ``max_wait``, and counts them."""

    def __init__(self, policy: RetryPolicy, counter: RetryCounter) -> None:
        # The next class in the MRO is slack_sdk's handler, which takes these two.
        super().__init__(policy.max_retries, BackoffRetryIntervalCalculator(policy.backoff))
        self._policy, self._counter = policy, counter

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        time.sleep(min(wait, self._policy.max_wait))
        state.increment_current_attempt()
        self._counter.retries += 1


class _ServerErrors(_CappedBackoff, ServerErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in SERVER_ERROR_STATUSES


class _ConnectionErrors(_CappedBackoff, ConnectionErrorRetryHandler):
    pass


def _retry_after(response: HttpResponse | None) -> str | None:
    for name, value in (response.headers if response is not None else {}).items():
        if name.lower() == "retry-after":
            return value if isinstance(value, str) else next(iter(value), None)
    return None


def retry_handlers(policy: RetryPolicy, counter: RetryCounter) -> list[RetryHandler]:
    return [
        _CappedRateLimit(policy, counter),
        _ServerErrors(policy, counter),
        _ConnectionErrors(policy, counter),
    ]
