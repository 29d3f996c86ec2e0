"""Block Kit limits, checked before anything is sent (Slack rejects the whole message otherwise).

From Slack's Block Kit reference: at most 50 blocks in a message; a section's text at most
3,000 characters and its fields at most 10 of 2,000 each; a header's plain text at most 150; a
context block at most 10 elements; a block_id at most 255. Over-long text is cut with an
ellipsis; a block that Slack would refuse (no type, empty text) is dropped, never sent.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_BLOCK_ID = 255
MAX_MESSAGE_TEXT = 40000  # chat.postMessage's `text`: Slack truncates beyond this
ELLIPSIS = "…"

log = logging.getLogger("cipipe.notify")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def check_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``blocks`` within Slack's limits: text cut, lists capped, invalid blocks gone."""
    checked: list[dict[str, Any]] = []
    for block in blocks:
        fixed = _check_block(block)
        if fixed is None:
            log.debug("dropped a Block Kit block Slack would refuse: %.80r", block)
        else:
            checked.append(fixed)
    if len(checked) > MAX_BLOCKS:
        omitted = len(checked) - (MAX_BLOCKS - 1)
        note = {"type": "context", "elements": [_text("mrkdwn", f"_{omitted} more not shown_")]}
        checked = [*checked[: MAX_BLOCKS - 1], note]
    return checked


def _check_block(block: Any) -> dict[str, Any] | None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return None
    out: dict[str, Any] = copy.deepcopy(block)
    if isinstance(out.get("block_id"), str) and len(out["block_id"]) > MAX_BLOCK_ID:
        return None  # an id cut short could clash with another; leave it out instead
    kind = out["type"]
    if kind == "header":
        text = _checked_text(out.get("text"), MAX_HEADER_TEXT)
        if text is None or text["type"] != "plain_text":
            return None
        out["text"] = text
    elif kind == "section":
        return _check_section(out)
    elif kind == "context":
        elements = [_checked_element(e) for e in out.get("elements") or []]
        kept = [e for e in elements if e is not None][:MAX_CONTEXT_ELEMENTS]
        if not kept:
            return None
        out["elements"] = kept
    return out


def _check_section(out: dict[str, Any]) -> dict[str, Any] | None:
    if "text" in out:
        text = _checked_text(out["text"], MAX_SECTION_TEXT)
        if text is None:
            return None
        out["text"] = text
    if "fields" in out:
        fields = [_checked_text(f, MAX_FIELD_TEXT) for f in out["fields"] or []]
        kept = [f for f in fields if f is not None][:MAX_SECTION_FIELDS]
        if kept:
            out["fields"] = kept
        else:
            del out["fields"]
    if "text" not in out and "fields" not in out:
        return None  # Slack: a section needs text or fields
    return out


def _checked_element(element: Any) -> dict[str, Any] | None:
    if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
        return _checked_text(element, MAX_CONTEXT_TEXT)
    if isinstance(element, dict) and isinstance(element.get("type"), str):
        return element  # images and the like: passed on as they are
    return None


def _checked_text(obj: Any, limit: int) -> dict[str, Any] | None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return None
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return None
    return {**obj, "text": truncate(text, limit)}


def _text(kind: str, text: str) -> dict[str, Any]:
    return {"type": kind, "text": text}
