"""Block Kit as Slack checks it, for the fake Slack (tests/support/slackserver.py).

Written from Slack's Block Kit reference, apart from cipipe's own checker
(``cipipe.adapters.notifications.blocks``), so that a block cipipe lets through and Slack
refuses fails a test: at most 50 blocks; every block an object with a known ``type`` and a
``block_id`` of at most 255 characters; a section with a text object (at most 3,000
characters) or up to 10 fields (at most 2,000 each); a header with plain text of at most 150;
a context with 1 to 10 text or image elements; text objects of type plain_text or mrkdwn with
non-empty text. Blocks of other known types are taken as they are.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
KNOWN_TYPES = frozenset(
    {"actions", "context", "divider", "file", "header", "image", "input", "markdown",
     "rich_text", "section", "video"}
)  # fmt: skip


def blocks_error(blocks: Any) -> str | None:
    """``invalid_blocks_format`` (not a list), ``invalid_blocks`` (a block Slack refuses), or
    None when Slack would post them."""
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > MAX_BLOCKS or not all(_block_ok(b) for b in blocks):
        return "invalid_blocks"
    return None


def _block_ok(block: Any) -> bool:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_TYPES:
        return False
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not 0 < len(block_id) <= 255):
        return False
    kind = block["type"]
    if kind == "section":
        return _section_ok(block)
    if kind == "header":
        return _text_ok(block.get("text"), 150, plain_only=True)
    if kind == "context":
        elements = block.get("elements")
        return (
            isinstance(elements, list)
            and 0 < len(elements) <= 10
            and all(_text_ok(e, 3000) or _image_ok(e) for e in elements)
        )
    return True


def _section_ok(block: dict[str, Any]) -> bool:
    if "text" not in block and "fields" not in block:
        return False
    if "text" in block and not _text_ok(block["text"], 3000):
        return False
    if "fields" not in block:
        return True
    fields = block["fields"]
    return (
        isinstance(fields, list)
        and 0 < len(fields) <= 10
        and all(_text_ok(f, 2000) for f in fields)
    )


def _text_ok(obj: Any, limit: int, *, plain_only: bool = False) -> bool:
    if not isinstance(obj, dict):
        return False
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    text = obj.get("text")
    return obj.get("type") in allowed and isinstance(text, str) and 0 < len(text) <= limit


def _image_ok(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("type") == "image"
        and isinstance(obj.get("alt_text"), str)
        and bool(obj.get("image_url") or obj.get("slack_file"))
    )
