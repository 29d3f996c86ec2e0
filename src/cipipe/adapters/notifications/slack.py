"""Slack: the Web API with a bot token (threads by message key), or an incoming webhook.

The token and the webhook URL are credentials: they are never logged and never part of an
error, a Delivery or a file; the webhook is named "the Slack webhook" everywhere.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from cipipe.adapters.notifications.blocks import MAX_MESSAGE_TEXT, check_blocks, truncate
from cipipe.adapters.notifications.interface import (
    ChannelKind,
    Delivery,
    Message,
    NotificationError,
    mask_secrets,
)
from cipipe.adapters.notifications.slack_retry import RetryCounter, RetryPolicy, retry_handlers
from cipipe.fileio import atomic_write_text
from cipipe.logs import MASK

DEFAULT_API_URL = "https://slack.com/api/"
THREADS_FILE = ".cipipe-slack-threads.json"
DEFAULT_TIMEOUT = 30
WEBHOOK_TARGET = "the Slack webhook"


class _MaskSecrets(logging.Filter):
    """slack_sdk logs request URLs at debug level; a webhook URL must not reach any log."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        record.msg, record.args = text, None
        return True


_sdk_filter = _MaskSecrets()
sdk_log = logging.getLogger("cipipe.notify.slack_sdk")
sdk_log.addFilter(_sdk_filter)


def _failure(what: str, exc: Exception, secret: str, attempts: int) -> NotificationError:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", "?")
        data = getattr(exc.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        answer = f"HTTP {status}" + (f" ({code})" if code else "") if status != 200 else code
        text = f"{what} failed: Slack answered {answer or 'ok: false'}"
    else:
        text = f"{what} failed: {type(exc).__name__}: {exc}"
    text += f" after {attempts} attempt(s)"
    return NotificationError(mask_secrets(text, [secret]), attempts=attempts)


class SlackBotNotifier:
    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str | None = None,
        thread_store_path: Path | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: int = DEFAULT_TIMEOUT,
    ) -> None:
        """``thread_store_path``: where key -> thread ts is kept; None: no threading."""
        self.channel = channel
        self.thread_store_path = thread_store_path
        self._token = token
        self._counter = RetryCounter()
        url = (base_url or DEFAULT_API_URL).rstrip("/") + "/"
        _sdk_filter.secrets.add(token)
        self._client = WebClient(
            token=token,
            base_url=url,
            timeout=timeout,
            logger=sdk_log,
            retry_handlers=retry_handlers(retry or RetryPolicy(), self._counter),
        )

    @property
    def kind(self) -> ChannelKind:
        return "slack-bot"

    @property
    def target(self) -> str:
        return self.channel

    def send(self, message: Message) -> Delivery:
        threads = self._read_threads()
        thread = threads.get(self._thread_key(message.key))
        self._counter.retries = 0
        try:
            answer = self._client.chat_postMessage(
                channel=thread["channel"] if thread else self.channel,
                text=truncate(message.text or message.title, MAX_MESSAGE_TEXT),
                blocks=check_blocks(message.blocks) or None,
                thread_ts=thread["ts"] if thread else None,
            )
        except (SlackClientError, OSError, ValueError) as exc:
            what = f"posting to Slack channel {self.channel}"
            raise _failure(what, exc, self._token, self._counter.retries + 1) from exc
        attempts = self._counter.retries + 1
        ts, channel_id = answer.get("ts"), answer.get("channel")
        if not isinstance(ts, str):
            raise NotificationError(
                f"Slack answered chat.postMessage without a ts ({self.channel})"
            )
        if thread is None and self.thread_store_path is not None:
            threads[self._thread_key(message.key)] = {
                "channel": channel_id if isinstance(channel_id, str) else self.channel,
                "ts": ts,
            }
            self._write_threads(threads)
        root = thread["ts"] if thread else ts
        detail = f"posted to {self.channel} (ts {ts}" + (f", thread {root})" if thread else ")")
        return Delivery(
            kind="slack-bot",
            ok=True,
            target=self.channel,
            detail=detail,
            thread_ts=root,
            ts=ts,
            attempts=attempts,
        )

    def _thread_key(self, key: str) -> str:
        return f"{self.channel} {key}"

    def _read_threads(self) -> dict[str, dict[str, str]]:
        path = self.thread_store_path
        if path is None or not path.exists():
            return {}
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a lost thread map only means a new thread, never a lost message
        threads = data.get("threads") if isinstance(data, dict) else None
        if not isinstance(threads, dict):
            return {}
        return {
            k: {"channel": v["channel"], "ts": v["ts"]}
            for k, v in threads.items()
            if isinstance(v, dict)
            and isinstance(v.get("channel"), str)
            and isinstance(v.get("ts"), str)
        }

    def _write_threads(self, threads: dict[str, dict[str, str]]) -> None:
        assert self.thread_store_path is not None
        text = json.dumps({"threads": threads}, indent=2, sort_keys=True) + "\n"
        try:
            atomic_write_text(self.thread_store_path, text)
        except OSError as exc:  # the message went out; only threading of the next one suffers
            logging.getLogger("cipipe.notify").warning(
                "cannot keep the Slack thread of %s: %s", self.thread_store_path, exc.strerror
            )


class SlackWebhookNotifier:
    def __init__(
        self, url: str, *, retry: RetryPolicy | None = None, timeout: int = DEFAULT_TIMEOUT
    ) -> None:
        self._url = url
        self._counter = RetryCounter()
        _sdk_filter.secrets.add(url)
        self._client = WebhookClient(
            url=url,
            timeout=timeout,
            logger=sdk_log,
            retry_handlers=retry_handlers(retry or RetryPolicy(), self._counter),
        )

    @property
    def kind(self) -> ChannelKind:
        return "slack-webhook"

    @property
    def target(self) -> str:
        return WEBHOOK_TARGET

    def send(self, message: Message) -> Delivery:
        self._counter.retries = 0
        try:
            answer = self._client.send(
                text=truncate(message.text or message.title, MAX_MESSAGE_TEXT),
                blocks=check_blocks(message.blocks) or None,
            )
        except (SlackClientError, OSError, ValueError) as exc:
            what = f"posting to {WEBHOOK_TARGET}"
            raise _failure(what, exc, self._url, self._counter.retries + 1) from exc
        attempts = self._counter.retries + 1
        if answer.status_code != 200:
            body = mask_secrets((answer.body or "").strip()[:200], [self._url])
            raise NotificationError(
                f"{WEBHOOK_TARGET} answered HTTP {answer.status_code}: {body or '(no body)'}"
                f" after {attempts} attempt(s)",
                attempts=attempts,
            )
        return Delivery(
            kind="slack-webhook",
            ok=True,
            target=WEBHOOK_TARGET,
            detail="posted to the Slack webhook",
            attempts=attempts,
        )
