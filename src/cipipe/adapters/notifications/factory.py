"""The channel a command notifies: a Slack bot, a Slack webhook, or the file in the work folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cipipe.adapters.notifications.interface import Notifier

if TYPE_CHECKING:  # slack_sdk is imported only when a Slack channel is configured
    from cipipe.adapters.notifications.slack_retry import RetryPolicy


def open_notifier(
    env: Mapping[str, str],
    workdir: Path,
    channel: str | None,
    *,
    retry: RetryPolicy | None = None,
    console: bool = True,
) -> Notifier:
    """SLACK_BOT_TOKEN and a channel (``channel``, else SLACK_CHANNEL): the bot, threading in
    ``workdir``; else SLACK_WEBHOOK_URL: the webhook; else the file channel in ``workdir``.
    SLACK_API_URL overrides the Web API's base URL. Credentials come from ``env`` only."""
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    target = channel or env.get("SLACK_CHANNEL", "").strip()
    if token and target:
        from cipipe.adapters.notifications.slack import THREADS_FILE, SlackBotNotifier

        return SlackBotNotifier(
            token,
            target,
            base_url=env.get("SLACK_API_URL") or None,
            thread_store_path=workdir / THREADS_FILE,
            retry=retry,
        )
    webhook = env.get("SLACK_WEBHOOK_URL", "").strip()
    if webhook:
        from cipipe.adapters.notifications.slack import SlackWebhookNotifier

        return SlackWebhookNotifier(webhook, retry=retry)
    from cipipe.adapters.notifications.file import FileNotifier

    return FileNotifier(workdir, console=console)
