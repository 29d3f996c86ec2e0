"""open_notifier: which channel the environment asks for."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.notifications.factory import open_notifier
from cipipe.adapters.notifications.file import FileNotifier
from cipipe.adapters.notifications.slack import (
    THREADS_FILE,
    SlackBotNotifier,
    SlackWebhookNotifier,
)

BOT = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_CHANNEL": "#builds"}
HOOK = {"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/services/T/B/secret"}


def test_nothing_configured_is_the_file_in_the_workdir(tmp_path: Path) -> None:
    notifier = open_notifier({}, tmp_path, None)
    assert isinstance(notifier, FileNotifier)
    assert notifier.target == str(tmp_path / "notification.json")


def test_bot_token_and_channel_is_the_bot(tmp_path: Path) -> None:
    notifier = open_notifier({**BOT, **HOOK}, tmp_path, None)
    assert isinstance(notifier, SlackBotNotifier)
    assert notifier.kind == "slack-bot" and notifier.target == "#builds"
    assert notifier.thread_store_path == tmp_path / THREADS_FILE
    chosen = open_notifier(BOT, tmp_path, "#releases")
    assert chosen.target == "#releases"


def test_bot_token_without_a_channel_falls_back(tmp_path: Path) -> None:
    token_only = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}
    assert isinstance(open_notifier({**token_only, **HOOK}, tmp_path, None), SlackWebhookNotifier)
    assert isinstance(open_notifier(token_only, tmp_path, None), FileNotifier)
    assert isinstance(open_notifier({"SLACK_CHANNEL": "#b"}, tmp_path, "#b"), FileNotifier)


def test_webhook_target_never_shows_the_url(tmp_path: Path) -> None:
    notifier = open_notifier(HOOK, tmp_path, "#ignored")
    assert isinstance(notifier, SlackWebhookNotifier)
    assert notifier.target == "the Slack webhook"


def test_slack_api_url_overrides_the_base_url(tmp_path: Path) -> None:
    notifier = open_notifier({**BOT, "SLACK_API_URL": "http://127.0.0.1:9/api"}, tmp_path, None)
    assert isinstance(notifier, SlackBotNotifier)
    assert notifier._client.base_url == "http://127.0.0.1:9/api/"
