"""A fake Slack on 127.0.0.1: ``POST /api/chat.postMessage`` and incoming-webhook paths.

chat.postMessage takes a form or JSON body and ``Authorization: Bearer <token>``; a token not in
``tokens`` gets Slack's ``{"ok": false, "error": "invalid_auth"}``, a good one
``{"ok": true, "channel": <id>, "ts": <increasing>}``. Webhook paths (``/services/...``) answer
"ok". Faults are taken from a queue per kind ("api" or "webhook"): "429[:S]" (Retry-After S,
default 1), "500", "503", "invalid_auth", "channel_not_found" (ok: false), or "403"/"404"
(the webhook's "invalid_token" / "no_service").

Both check the message as Slack does, so a client that sends what Slack would refuse fails
its test here too: the webhook answers HTTP 400 with ``invalid_payload`` (a body that is not a
JSON object, or not JSON at all), ``invalid_blocks_format`` (blocks not a list),
``invalid_blocks`` (a block Block Kit refuses: unknown type, text too long, a section with
neither text nor fields, more than 50 blocks...) or ``no_text`` (no text, blocks or
attachments); chat.postMessage answers ``ok: false`` with ``not_authed``, ``invalid_json``,
``json_not_object``, ``invalid_blocks_format``, ``invalid_blocks``, ``no_text`` or
``msg_too_long``. Every such refusal is also kept in ``refused``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import send as _send
from tests.support.loopback import serve_http
from tests.support.slack_blocks import blocks_error

Handler = BaseHTTPRequestHandler
VALID_TOKEN = "xoxb-1111-2222-fakefakefake"
WEBHOOK_PATH = "/services/T0000/B0000/fakewebhooksecret"
_WEBHOOK_ERRORS = {"400": "invalid_payload", "403": "invalid_token", "404": "no_service"}
MAX_TEXT = 40000  # chat.postMessage: msg_too_long beyond this


@dataclass
class Posted:
    kind: str  # "api" or "webhook"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    """The message as Slack read it; empty when the body could not be read as one."""
    error: str | None = None
    """Why Slack could not read the body (invalid_json, invalid_payload...), else None."""


@dataclass
class FakeSlack:
    tokens: set[str] = field(default_factory=lambda: {VALID_TOKEN})
    channel_id: str = "C0FAKE0001"
    seen: list[Posted] = field(default_factory=list)
    refused: list[tuple[Posted, str]] = field(default_factory=list)
    """Requests Slack would refuse, with the error Slack names."""
    faults: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    _ts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{WEBHOOK_PATH}"

    def fail(self, kind: str, *faults: str) -> None:
        assert kind in ("api", "webhook"), kind
        self.faults.setdefault(kind, []).extend(faults)

    def posted(self, kind: str = "api") -> list[dict[str, Any]]:
        return [p.body for p in self.seen if p.kind == kind]

    def answer(self, h: Handler) -> None:
        path = urlsplit(h.path).path
        kind = "webhook" if path.startswith("/services/") else "api"
        body, error = _read_body(h, kind)
        posted = Posted(kind, path, dict(h.headers.items()), body, error)
        with self._lock:
            self.seen.append(posted)
            queue = self.faults.get(kind) or []
            fault = queue.pop(0) if queue else None
        if h.command != "POST":
            self._refuse(posted, "method_not_allowed")
            return _send(h, 405, "method_not_allowed", "text/plain")
        if kind == "webhook":
            return self._webhook(h, posted, fault)
        if path != "/api/chat.postMessage":
            self._refuse(posted, "unknown_method")
            return _send(h, 404, {"ok": False, "error": "unknown_method"})
        return self._post_message(h, posted, fault)

    def _refuse(self, posted: Posted, error: str) -> None:
        with self._lock:
            self.refused.append((posted, error))

    def _post_message(self, h: Handler, posted: Posted, fault: str | None) -> None:
        if fault is not None and self._http_fault(h, fault):
            return None
        if fault in ("invalid_auth", "channel_not_found"):
            return _send(h, 200, {"ok": False, "error": fault})
        body = posted.body
        auth = h.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else body.get("token")
        if token and token not in self.tokens:
            return _send(h, 200, {"ok": False, "error": "invalid_auth"})
        error = "not_authed" if not token else posted.error
        if error is None and not body.get("channel"):
            return _send(h, 200, {"ok": False, "error": "channel_not_found"})
        error = error or _message_error(body, "api")
        if error:
            self._refuse(posted, error)
            return _send(h, 200, {"ok": False, "error": error})
        with self._lock:
            self._ts += 1
            ts = f"1767225600.{self._ts:06d}"
        message = {"text": body.get("text"), "ts": ts}
        return _send(h, 200, {"ok": True, "channel": self.channel_id, "ts": ts, "message": message})

    def _webhook(self, h: Handler, posted: Posted, fault: str | None) -> None:
        if fault is not None and self._http_fault(h, fault):
            return None
        if fault in _WEBHOOK_ERRORS:
            return _send(h, int(fault), _WEBHOOK_ERRORS[fault], "text/html")
        if posted.path != WEBHOOK_PATH:
            return _send(h, 404, "no_service", "text/html")
        error = posted.error or _message_error(posted.body, "webhook")
        if error:
            self._refuse(posted, error)
            return _send(h, 400, error, "text/html")
        return _send(h, 200, "ok", "text/html")

    def _http_fault(self, h: Handler, fault: str) -> bool:
        status, _, retry_after = fault.partition(":")
        if status == "429":
            _send(h, 429, "rate_limited", "text/plain", {"Retry-After": retry_after or "1"})
            return True
        if status in ("500", "502", "503", "504"):
            _send(h, int(status), "internal_error", "text/html")
            return True
        return False


def _message_error(body: dict[str, Any], kind: str) -> str | None:
    """Slack's error for a message it will not post (``kind``: "api" or "webhook"), or None."""
    text, blocks, attachments = body.get("text"), body.get("blocks"), body.get("attachments")
    if text is not None and not isinstance(text, str):
        return "invalid_payload" if kind == "webhook" else "invalid_arguments"
    if blocks is not None and (error := blocks_error(blocks)):
        return error
    if not text and not blocks and not attachments:
        return "no_text"
    if kind == "api" and isinstance(text, str) and len(text) > MAX_TEXT:
        return "msg_too_long"
    return None


def _read_body(h: Handler, kind: str) -> tuple[dict[str, Any], str | None]:
    """The message in the body, and the error Slack names when it cannot read one.

    JSON bodies are read as JSON; form bodies as fields, where ``blocks`` (chat.postMessage)
    or the whole ``payload`` (a webhook) is a JSON string.
    """
    length = int(h.headers.get("Content-Length") or 0)
    raw = h.rfile.read(length).decode("utf-8", errors="replace") if length else ""
    if h.command != "POST":
        return {}, None
    media = h.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    unreadable = "invalid_payload" if kind == "webhook" else "invalid_json"
    if media == "application/json":
        try:
            data = json.loads(raw)
        except ValueError:
            return {}, unreadable
        if not isinstance(data, dict):
            return {}, "invalid_payload" if kind == "webhook" else "json_not_object"
        return data, None
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    field_name = "payload" if kind == "webhook" else "blocks"
    if kind == "webhook" and "payload" not in form:
        return {}, "invalid_payload"
    if isinstance(form.get(field_name), str):
        try:
            decoded = json.loads(form[field_name])
        except ValueError:
            return {}, "invalid_payload" if kind == "webhook" else "invalid_blocks_format"
        if kind == "webhook":
            return (decoded, None) if isinstance(decoded, dict) else ({}, "invalid_payload")
        form["blocks"] = decoded
    return form, None


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    with serve_http(slack.answer) as url:
        slack.url = url
        yield slack
