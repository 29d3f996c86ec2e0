"""notification.json: every message a step sent to the embedded notification channel (seed 10).

The file channel is the default when no Slack is configured; each message is appended, so the
file is the history of what the pipeline told people about this work folder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count


class DeliveryRecord(Strict):
    """How a message sent to another channel (Slack) went; absent for the file channel."""

    channel: Literal["slack-bot", "slack-webhook"]
    ok: bool
    target: str = Field(description="Channel or 'the Slack webhook'; never a secret")
    error: str | None = None
    ts: str | None = Field(default=None, description="Slack's id of the posted message")
    attempts: Count = 1


class NotifiedMessage(Strict):
    key: str = Field(description="What the message is about, e.g. 'sample-service/42'")
    title: str
    text: str = Field(description="Plain-text form")
    markdown: str
    blocks: list[dict[str, Any]] = Field(description="Slack Block Kit blocks, as they were sent")
    severity: Literal["info", "warning", "failure"]
    sent_at: datetime = Field(description="When the message was written (UTC)")
    delivery: DeliveryRecord | None = Field(
        default=None, description="null: this file is the channel; else how Slack answered"
    )


class NotificationLog(Contract):
    SCHEMA_NAME = "notification"
    FILE_NAME = "notification.json"

    messages: list[NotifiedMessage] = Field(default_factory=list, description="Oldest first")
