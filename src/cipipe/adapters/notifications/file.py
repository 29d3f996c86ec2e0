"""The embedded channel: notification.json and notification.md in the work folder, and stderr.

Each message is appended; both files are rewritten atomically, so a reader sees all of the
previous messages or all of them plus the new one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cipipe.adapters.notifications.blocks import check_blocks
from cipipe.adapters.notifications.interface import (
    ChannelKind,
    Delivery,
    Message,
    NotificationError,
)
from cipipe.contracts.loading import read_contract
from cipipe.contracts.notification import DeliveryRecord, NotificationLog, NotifiedMessage
from cipipe.errors import InputError
from cipipe.fileio import atomic_write_text, link_refused

MARKDOWN_NAME = "notification.md"
console_log = logging.getLogger("cipipe.notify")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "failure": logging.ERROR}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FileNotifier:
    def __init__(
        self, workdir: Path, console: bool = True, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.workdir = workdir
        self.console = console
        self._clock = clock

    @property
    def kind(self) -> ChannelKind:
        return "file"

    @property
    def json_path(self) -> Path:
        return self.workdir / NotificationLog.FILE_NAME

    @property
    def markdown_path(self) -> Path:
        return self.workdir / MARKDOWN_NAME

    @property
    def target(self) -> str:
        return str(self.json_path)

    def send(self, message: Message) -> Delivery:
        count = self.append(message)
        if self.console:
            console_log.log(_LEVELS[message.severity], "%s\n%s", message.title, message.text)
        return Delivery(
            kind="file",
            ok=True,
            target=self.target,
            detail=f"message {count} in {self.json_path.name}",
        )

    def append(self, message: Message, delivery: DeliveryRecord | None = None) -> int:
        """Add ``message`` (and how another channel delivered it) to both files; returns the
        number of messages the log now holds."""
        sent_at = self._clock().astimezone(UTC).replace(microsecond=0)
        for path in (self.json_path, self.markdown_path):
            if path.is_symlink():  # its target would be read into the log, then quoted
                raise link_refused(path)
        document = self._read()
        document.messages.append(
            NotifiedMessage(
                key=message.key,
                title=message.title,
                text=message.text,
                markdown=message.markdown,
                blocks=check_blocks(message.blocks),
                severity=message.severity,
                sent_at=sent_at,
                delivery=delivery,
            )
        )
        try:
            atomic_write_text(self.json_path, document.to_json())
            atomic_write_text(
                self.markdown_path, self._markdown_so_far() + _section(message, sent_at)
            )
        except OSError as exc:
            raise NotificationError(
                f"cannot write {exc.filename or self.workdir}: {exc.strerror}"
            ) from exc
        return len(document.messages)

    def _read(self) -> NotificationLog:
        if not self.json_path.exists():
            return NotificationLog()
        try:
            return read_contract(NotificationLog, self.json_path)
        except InputError as exc:
            raise NotificationError(f"cannot append to {exc}") from exc

    def _markdown_so_far(self) -> str:
        try:
            text = self.markdown_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise NotificationError(f"cannot read {self.markdown_path}: {exc.strerror}") from exc
        return text if not text or text.endswith("\n\n") else text.rstrip("\n") + "\n\n"


def _section(message: Message, sent_at: datetime) -> str:
    stamp = sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = message.markdown.strip() or message.text.strip()
    return f"## {message.title}\n\n_{message.severity} · {message.key} · {stamp}_\n\n{body}\n\n"
