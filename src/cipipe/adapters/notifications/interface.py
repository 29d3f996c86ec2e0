"""What a step needs from a notification channel, whichever one it is (Slack bot, webhook, file).

A step builds a ``Message`` and hands it to ``deliver``, which never raises: a failed
notification is a ``Delivery`` with ``ok=False`` and the (masked) error, never a failed build.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cipipe.errors import OutsideSystemError
from cipipe.logs import MASK, SecretMasker

Severity = Literal["info", "warning", "failure"]
ChannelKind = Literal["file", "slack-bot", "slack-webhook"]
# Not matched by SecretMasker's name pattern, but a webhook URL is a credential.
SECRET_URL_VARS = ("SLACK_WEBHOOK_URL",)

log = logging.getLogger("cipipe.notify")


class NotificationError(OutsideSystemError):
    """The channel refused the message or failed after retries. The text holds no secret."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Message:
    key: str  # what it is about, e.g. "sample-service/42": messages with one key form a thread
    title: str
    text: str  # plain-text fallback (notifications, console, screen readers)
    markdown: str  # for notification.md
    blocks: list[dict[str, Any]] = field(default_factory=list)  # Slack Block Kit
    severity: Severity = "info"


@dataclass(frozen=True)
class Delivery:
    kind: ChannelKind
    ok: bool
    target: str  # where it went, without secrets: a channel, "the Slack webhook", a file
    detail: str = ""
    error: str | None = None
    thread_ts: str | None = None  # Slack: the ts of the thread this message belongs to
    ts: str | None = None  # Slack bot: the ts of this message
    attempts: int = 1


class Notifier(Protocol):
    @property
    def kind(self) -> ChannelKind: ...

    @property
    def target(self) -> str:
        """Where messages go, for messages and Delivery records (never with credentials)."""

    def send(self, message: Message) -> Delivery:
        """Deliver ``message``; raise NotificationError when the channel refuses or fails."""


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secret-looking env values, webhook URLs and ``secrets`` replaced."""
    env = dict(os.environ)
    text = SecretMasker(env).mask(text)
    values = [*secrets, *(env.get(name, "") for name in SECRET_URL_VARS)]
    for value in sorted({v for v in values if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _transport_errors() -> tuple[type[BaseException], ...]:
    """How a channel's transport fails. The file channel must not pay for importing requests
    and slack_sdk; an exception can only come from them when they were imported."""
    errors: list[type[BaseException]] = [OSError, ValueError]
    requests = sys.modules.get("requests")
    if requests is not None:
        errors.append(requests.RequestException)
    slack_errors = sys.modules.get("slack_sdk.errors")
    if slack_errors is not None:
        errors.append(slack_errors.SlackClientError)
    return tuple(errors)


def deliver(notifier: Notifier, message: Message, *, secrets: Iterable[str] = ()) -> Delivery:
    """Send ``message``; any failure becomes ``Delivery(ok=False)`` and a warning, never a raise."""
    kind, target = _describe(notifier)
    attempts = 1
    try:
        return notifier.send(message)
    except NotificationError as exc:
        error, attempts = mask_secrets(str(exc), secrets), exc.attempts
    except Exception as exc:
        if not isinstance(exc, _transport_errors()):
            raise  # a bug, not a failed delivery
        error = mask_secrets(f"{type(exc).__name__}: {exc}", secrets)
    log.warning("notification %r to %s failed: %s", message.key, target, error)
    return Delivery(
        kind=kind,
        ok=False,
        target=target,
        detail="not delivered",
        error=error,
        attempts=attempts,
    )


def _describe(notifier: Notifier) -> tuple[ChannelKind, str]:
    try:
        return notifier.kind, notifier.target
    except Exception:  # a broken notifier must not break the build either
        return "file", type(notifier).__name__
