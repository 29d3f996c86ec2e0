"""The Slack notifiers against a fake Slack on 127.0.0.1: real HTTP, real faults."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cipipe.adapters.notifications.interface import Message, NotificationError, deliver
from cipipe.adapters.notifications.slack import SlackBotNotifier, SlackWebhookNotifier
from cipipe.adapters.notifications.slack_retry import RetryPolicy
from tests.support.slackserver import VALID_TOKEN, WEBHOOK_PATH, FakeSlack, fake_slack

FAST = RetryPolicy(max_retries=2, max_wait=0.05, backoff=0.01)
BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "sample-service #42: canary"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "risk *37*/100"}},
]


def message(key: str = "sample-service/42", text: str = "canary, 10% for 30 min") -> Message:
    return Message(key=key, title="Decision", text=text, markdown="", blocks=BLOCKS)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as server:
        yield server


def bot(slack: FakeSlack, tmp_path: Path, token: str = VALID_TOKEN) -> SlackBotNotifier:
    return SlackBotNotifier(
        token,
        "#deploys",
        base_url=slack.api_url,
        thread_store_path=tmp_path / ".cipipe-slack-threads.json",
        retry=FAST,
    )


def all_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)


def test_posts_text_and_checked_blocks_with_the_bearer_token(
    slack: FakeSlack, tmp_path: Path
) -> None:
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3500}}
    sent = Message("svc/1", "t", "plain", "", [*BLOCKS, long_section, {"no": "type"}])
    delivery = bot(slack, tmp_path).send(sent)
    assert delivery.ok and delivery.kind == "slack-bot" and delivery.target == "#deploys"
    assert delivery.attempts == 1 and delivery.ts == delivery.thread_ts
    (seen,) = slack.seen
    assert seen.path == "/api/chat.postMessage"
    assert seen.headers["Authorization"] == f"Bearer {VALID_TOKEN}"
    assert seen.body["channel"] == "#deploys" and seen.body["text"] == "plain"
    assert "thread_ts" not in seen.body
    assert seen.body["blocks"][:2] == BLOCKS and len(seen.body["blocks"]) == 3
    assert len(seen.body["blocks"][2]["text"]["text"]) == 3000
    assert VALID_TOKEN not in repr(delivery)


def test_second_message_with_the_same_key_goes_into_the_first_thread(
    slack: FakeSlack, tmp_path: Path
) -> None:
    first = bot(slack, tmp_path).send(message())
    # A later command (a new process) finds the thread through the file in the work folder.
    second = bot(slack, tmp_path).send(message(text="rolled out"))
    other = bot(slack, tmp_path).send(message(key="sample-service/43"))
    bodies = slack.posted()
    assert first.ts and second.ts and first.ts != second.ts
    assert second.thread_ts == first.ts
    assert bodies[1]["thread_ts"] == first.ts and bodies[1]["channel"] == slack.channel_id
    assert "thread_ts" not in bodies[2] and other.thread_ts == other.ts
    threads = (tmp_path / ".cipipe-slack-threads.json").read_text()
    assert first.ts in threads and VALID_TOKEN not in threads


def test_rate_limit_honours_retry_after_within_the_cap(slack: FakeSlack, tmp_path: Path) -> None:
    slack.fail("api", "429:1")
    started = time.monotonic()
    delivery = deliver(bot(slack, tmp_path), message())
    assert delivery.ok and delivery.attempts == 2
    assert time.monotonic() - started < 0.9  # Retry-After 1 s, capped at 0.05 s
    assert len(slack.seen) == 2


def test_server_errors_until_retries_run_out_are_a_failed_delivery(
    slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("api", "500", "500", "500", "500")
    delivery = deliver(bot(slack, tmp_path), message())
    assert not delivery.ok and delivery.kind == "slack-bot"
    assert delivery.attempts == 3 and len(slack.seen) == 3
    assert delivery.error and "500" in delivery.error
    assert "failed" in all_logged(caplog)
    assert not (tmp_path / ".cipipe-slack-threads.json").exists()


def test_a_server_error_then_success(slack: FakeSlack, tmp_path: Path) -> None:
    slack.fail("api", "503")
    assert bot(slack, tmp_path).send(message()).attempts == 2


def test_invalid_token_names_the_error_and_never_the_token(
    slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = "xoxb-9999-8888-notavalidtoken"
    notifier = bot(slack, tmp_path, token=bad)
    with pytest.raises(NotificationError, match="invalid_auth") as raised:
        notifier.send(message())
    assert bad not in str(raised.value)
    delivery = deliver(notifier, message())
    assert not delivery.ok and delivery.error and "invalid_auth" in delivery.error
    assert bad not in repr(delivery)
    assert "invalid_auth" in all_logged(caplog)
    assert bad not in all_logged(caplog)
    assert slack.seen[0].headers["Authorization"] == f"Bearer {bad}"  # it was really sent


def test_channel_not_found_is_named(slack: FakeSlack, tmp_path: Path) -> None:
    slack.fail("api", "channel_not_found")
    delivery = deliver(bot(slack, tmp_path), message())
    assert not delivery.ok and delivery.error and "channel_not_found" in delivery.error


def test_unreachable_slack_is_a_failed_delivery(tmp_path: Path) -> None:
    with fake_slack() as gone:
        url = gone.api_url
    notifier = SlackBotNotifier(VALID_TOKEN, "#d", base_url=url, retry=FAST, timeout=2)
    delivery = deliver(notifier, message())
    assert not delivery.ok and delivery.error and VALID_TOKEN not in delivery.error


def webhook(slack: FakeSlack, path: str = WEBHOOK_PATH) -> SlackWebhookNotifier:
    return SlackWebhookNotifier(f"{slack.url}{path}", retry=FAST)


def test_webhook_posts_the_message(slack: FakeSlack) -> None:
    delivery = webhook(slack).send(message())
    assert delivery.ok and delivery.kind == "slack-webhook"
    assert delivery.target == "the Slack webhook" and delivery.attempts == 1
    (body,) = slack.posted("webhook")
    assert body["text"] == "canary, 10% for 30 min" and body["blocks"] == BLOCKS


def test_webhook_retries_then_succeeds(slack: FakeSlack) -> None:
    slack.fail("webhook", "429:1", "500")
    delivery = webhook(slack).send(message())
    assert delivery.ok and delivery.attempts == 3


@pytest.mark.parametrize(("fault", "answer"), [("404", "no_service"), ("403", "invalid_token")])
def test_webhook_failure_never_shows_the_url(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture, fault: str, answer: str
) -> None:
    caplog.set_level(logging.DEBUG)
    slack.fail("webhook", fault)
    delivery = deliver(webhook(slack), message())
    assert not delivery.ok and delivery.error
    assert answer in delivery.error and "the Slack webhook" in delivery.error
    assert "fakewebhooksecret" not in repr(delivery)
    assert "fakewebhooksecret" not in all_logged(caplog)


def test_webhook_server_errors_until_retries_run_out(slack: FakeSlack) -> None:
    slack.fail("webhook", "500", "500", "500")
    delivery = deliver(webhook(slack), message())
    assert not delivery.ok and delivery.attempts == 3
    assert delivery.error and "HTTP 500" in delivery.error
