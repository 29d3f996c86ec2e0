"""check_blocks: Slack's documented Block Kit limits, applied before anything is sent."""

from __future__ import annotations

from typing import Any

from cipipe.adapters.notifications.blocks import (
    ELLIPSIS,
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    check_blocks,
    truncate,
)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_valid_blocks_pass_unchanged_and_are_copied() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Build 42"}},
        section("*ok*"),
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "sample-service"}]},
    ]
    checked = check_blocks(blocks)
    assert checked == blocks
    checked[1]["text"]["text"] = "changed"
    assert blocks[1]["text"]["text"] == "*ok*"


def test_long_texts_are_cut_with_an_ellipsis() -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 400}}
    checked = check_blocks([header, section("s" * 5000)])
    assert len(checked[0]["text"]["text"]) == MAX_HEADER_TEXT
    assert checked[0]["text"]["text"].endswith(ELLIPSIS)
    assert len(checked[1]["text"]["text"]) == MAX_SECTION_TEXT
    assert checked[1]["text"]["text"].endswith(ELLIPSIS)
    assert truncate("short", 10) == "short"


def test_at_most_fifty_blocks_with_a_note_of_the_rest() -> None:
    checked = check_blocks([section(f"line {i}") for i in range(80)])
    assert len(checked) == MAX_BLOCKS
    assert checked[-2] == section("line 48")
    assert checked[-1]["type"] == "context"
    assert "31 more" in checked[-1]["elements"][0]["text"]
    assert len(check_blocks([section("x")] * MAX_BLOCKS)) == MAX_BLOCKS


def test_invalid_blocks_are_dropped_not_sent() -> None:
    blocks: list[Any] = [
        {"text": "no type"},
        "not a dict",
        section(""),
        {"type": "header", "text": {"type": "mrkdwn", "text": "headers are plain_text only"}},
        {"type": "section"},
        {"type": "context", "elements": []},
        {"type": "section", "block_id": "b" * 300, "text": {"type": "mrkdwn", "text": "x"}},
        section("kept"),
    ]
    assert check_blocks(blocks) == [section("kept")]


def test_section_fields_are_capped_and_cut() -> None:
    fields = [{"type": "mrkdwn", "text": "f" * 2500} for _ in range(12)]
    (checked,) = check_blocks([{"type": "section", "fields": fields}])
    assert len(checked["fields"]) == 10
    assert all(len(f["text"]) == 2000 for f in checked["fields"])
