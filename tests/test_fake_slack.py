"""The fake Slack refuses what Slack refuses (tests/support/slackserver.py), and cipipe's notifiers,
with messages at and beyond Block Kit's limits, never get a refusal from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cipipe.adapters.notifications.interface import Message
from cipipe.adapters.notifications.slack import SlackBotNotifier, SlackWebhookNotifier
from cipipe.adapters.notifications.slack_retry import RetryPolicy
from tests.support.slackserver import VALID_TOKEN, FakeSlack, fake_slack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "risk *37*/100"}}
HEADER = {"type": "header", "text": {"type": "plain_text", "text": "svc #42"}}


def text(kind: str, value: str) -> dict[str, str]:
    return {"type": kind, "text": value}


INVALID_BLOCKS = {
    "unknown type": [{"type": "carousel"}],
    "no type": [{"text": text("mrkdwn", "x")}],
    "not an object": ["section"],
    "section text too long": [{"type": "section", "text": text("mrkdwn", "x" * 3001)}],
    "section without text or fields": [{"type": "section"}],
    "empty section text": [{"type": "section", "text": text("mrkdwn", "")}],
    "eleven fields": [{"type": "section", "fields": [text("mrkdwn", "f")] * 11}],
    "field too long": [{"type": "section", "fields": [text("plain_text", "f" * 2001)]}],
    "header in mrkdwn": [{"type": "header", "text": text("mrkdwn", "h")}],
    "header too long": [{"type": "header", "text": text("plain_text", "h" * 151)}],
    "empty context": [{"type": "context", "elements": []}],
    "eleven context elements": [{"type": "context", "elements": [text("mrkdwn", "c")] * 11}],
    "block_id too long": [{**SECTION, "block_id": "b" * 256}],
    "fifty-one blocks": [SECTION] * 51,
}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as server:
        yield server


def hook(slack: FakeSlack, body: Any = None, **options: Any) -> requests.Response:
    if body is not None:
        options["json"] = body
    return requests.post(slack.webhook_url, timeout=10, **options)


def api(slack: FakeSlack, body: Any, token: str | None = VALID_TOKEN, **options: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    answer = requests.post(
        f"{slack.api_url}chat.postMessage",
        data=data.encode(),
        headers={**headers, "Content-Type": "application/json; charset=utf-8"},
        timeout=10,
        **options,
    )
    assert answer.status_code == 200  # the Web API answers errors as ok: false
    return answer.json()


def test_the_webhook_takes_text_or_blocks(slack: FakeSlack) -> None:
    assert hook(slack, {"text": "hello"}).text == "ok"
    assert hook(slack, {"blocks": [HEADER, SECTION]}).text == "ok"
    form = hook(slack, data={"payload": json.dumps({"text": "legacy form post"})})
    assert form.text == "ok"
    assert slack.refused == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (
            {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
            "invalid_payload",
        ),
        ({"json": ["text", "hello"]}, "invalid_payload"),
        ({"data": b"hello", "headers": {"Content-Type": "text/plain"}}, "invalid_payload"),
        ({"data": {"text": "no payload field"}}, "invalid_payload"),
        ({"data": {"payload": "{broken"}}, "invalid_payload"),
        ({"json": {"text": 42}}, "invalid_payload"),
        ({"json": {}}, "no_text"),
        ({"json": {"text": ""}}, "no_text"),
        ({"json": {"text": "t", "blocks": {"type": "section"}}}, "invalid_blocks_format"),
    ],
)
def test_the_webhook_answers_400_to_what_slack_refuses(
    slack: FakeSlack, options: dict[str, Any], error: str
) -> None:
    answer = hook(slack, **options)
    assert (answer.status_code, answer.text) == (400, error)
    assert [e for _, e in slack.refused] == [error]


@pytest.mark.parametrize("blocks", INVALID_BLOCKS.values(), ids=INVALID_BLOCKS.keys())
def test_blocks_slack_refuses_are_invalid_blocks(slack: FakeSlack, blocks: list[Any]) -> None:
    answer = hook(slack, {"text": "fallback", "blocks": blocks})
    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
    assert api(slack, {"channel": "#d", "text": "t", "blocks": blocks}) == {
        "ok": False,
        "error": "invalid_blocks",
    }


def test_a_get_is_not_a_post(slack: FakeSlack) -> None:
    assert requests.get(slack.webhook_url, timeout=10).status_code == 405
    assert requests.get(f"{slack.api_url}chat.postMessage", timeout=10).status_code == 405


@pytest.mark.parametrize(
    ("body", "token", "error"),
    [
        ({"channel": "#d", "text": "t"}, None, "not_authed"),
        ({"channel": "#d", "text": "t"}, "xoxb-wrong", "invalid_auth"),
        ("{not json", VALID_TOKEN, "invalid_json"),
        ('["a list"]', VALID_TOKEN, "json_not_object"),
        ({"text": "t"}, VALID_TOKEN, "channel_not_found"),
        ({"channel": "#d"}, VALID_TOKEN, "no_text"),
        ({"channel": "#d", "text": "x" * 40001}, VALID_TOKEN, "msg_too_long"),
        ({"channel": "#d", "text": "t", "blocks": "[]"}, VALID_TOKEN, "invalid_blocks_format"),
    ],
)
def test_chat_post_message_answers_ok_false(
    slack: FakeSlack, body: Any, token: str | None, error: str
) -> None:
    assert api(slack, body, token) == {"ok": False, "error": error}


def test_cipipe_never_sends_what_slack_refuses(slack: FakeSlack, tmp_path: Path) -> None:
    """Over-long text and blocks, too many of them, blocks Slack rejects: cipipe's notifiers
    cut and drop until Slack would take the message, on both channels."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": text("plain_text", "H" * 400)},
        {"type": "section", "text": text("mrkdwn", "S" * 5000)},
        {"type": "section", "fields": [text("mrkdwn", "F" * 2500)] * 14},
        {"type": "context", "elements": [text("mrkdwn", "c")] * 12},
        {"type": "section", "text": text("mrkdwn", "")},
        {"no": "type"},
        *[SECTION] * 60,
    ]
    message = Message("svc/42", "title", "T" * 50_000, "", blocks)
    fast = RetryPolicy(max_retries=0, max_wait=0.01, backoff=0.01)
    bot = SlackBotNotifier(VALID_TOKEN, "#deploys", base_url=slack.api_url, retry=fast)
    assert bot.send(message).ok
    assert SlackWebhookNotifier(slack.webhook_url, retry=fast).send(message).ok
    assert slack.refused == []
    assert len(slack.posted()[0]["blocks"]) == 50
