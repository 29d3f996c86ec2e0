"""cipipe notify (seed 10): one message about the build, on Slack or in the work folder."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from cipipe.adapters.notifications.file import FileNotifier
from cipipe.adapters.notifications.interface import (
    Delivery,
    NotificationError,
    Notifier,
    deliver,
)
from cipipe.contracts.notification import DeliveryRecord
from cipipe.steps.notify.message import BuildReports, build_message

__all__ = ["BuildReports", "notify"]

log = logging.getLogger("cipipe.notify")


def notify(
    workdir: Path, reports: BuildReports, notifier: Notifier, env: Mapping[str, str]
) -> Delivery:
    """Send the message; a failure is returned, never raised. When the channel is Slack, the
    message and how Slack answered are also appended to notification.json, so the work folder
    always says what people were told, or that telling them failed."""
    message = build_message(reports, env)
    delivery = deliver(notifier, message)
    if delivery.kind != "file":
        record = DeliveryRecord(
            channel=delivery.kind,
            ok=delivery.ok,
            target=delivery.target,
            error=delivery.error,
            ts=delivery.ts,
            attempts=delivery.attempts,
        )
        try:
            FileNotifier(workdir, console=False).append(message, record)
        except NotificationError as exc:
            log.warning("could not record the delivery in the work folder: %s", exc)
    return delivery
