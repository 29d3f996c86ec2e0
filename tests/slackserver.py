"""A fake Slack on 127.0.0.1: ``POST /api/chat.postMessage`` and incoming-webhook paths.

chat.postMessage takes a form or JSON body and ``Authorization: Bearer <token>``; a token not in
``tokens`` gets Slack's ``{"ok": false, "error": "invalid_auth"}``, a good one
``{"ok": true, "channel": <id>, "ts": <increasing>}``. Webhook paths (``/services/...``) answer
"ok". Faults are taken from a queue per kind ("api" or "webhook"): "429[:S]" (Retry-After S,
default 1), "500", "503", "invalid_auth", "channel_not_found" (ok: false), or "403"/"404"
(the webhook's "invalid_token" / "no_service").
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

from tests.loopback import send as _send
from tests.loopback import serve_http

Handler = BaseHTTPRequestHandler
VALID_TOKEN = "xoxb-1111-2222-fakefakefake"
WEBHOOK_PATH = "/services/T0000/B0000/fakewebhooksecret"
_WEBHOOK_ERRORS = {"400": "invalid_payload", "403": "invalid_token", "404": "no_service"}


@dataclass
class Posted:
    kind: str  # "api" or "webhook"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeSlack:
    tokens: set[str] = field(default_factory=lambda: {VALID_TOKEN})
    channel_id: str = "C0FAKE0001"
    seen: list[Posted] = field(default_factory=list)
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
        body = _read_body(h)
        kind = "webhook" if path.startswith("/services/") else "api"
        with self._lock:
            self.seen.append(Posted(kind, path, dict(h.headers.items()), body))
            queue = self.faults.get(kind) or []
            fault = queue.pop(0) if queue else None
        if h.command != "POST":
            return _send(h, 405, "method_not_allowed", "text/plain")
        if kind == "webhook":
            return self._webhook(h, path, fault)
        if path != "/api/chat.postMessage":
            return _send(h, 404, {"ok": False, "error": "unknown_method"})
        return self._post_message(h, body, fault)

    def _post_message(self, h: Handler, body: dict[str, Any], fault: str | None) -> None:
        if fault is not None and self._http_fault(h, fault):
            return None
        auth = h.headers.get("Authorization", "")
        if fault in ("invalid_auth", "channel_not_found"):
            return _send(h, 200, {"ok": False, "error": fault})
        if not auth.startswith("Bearer ") or auth[len("Bearer ") :] not in self.tokens:
            return _send(h, 200, {"ok": False, "error": "invalid_auth"})
        if not body.get("channel"):
            return _send(h, 200, {"ok": False, "error": "channel_not_found"})
        if not body.get("text") and not body.get("blocks"):
            return _send(h, 200, {"ok": False, "error": "no_text"})
        with self._lock:
            self._ts += 1
            ts = f"1767225600.{self._ts:06d}"
        message = {"text": body.get("text"), "ts": ts}
        return _send(h, 200, {"ok": True, "channel": self.channel_id, "ts": ts, "message": message})

    def _webhook(self, h: Handler, path: str, fault: str | None) -> None:
        if fault is not None and self._http_fault(h, fault):
            return None
        if fault in _WEBHOOK_ERRORS:
            return _send(h, int(fault), _WEBHOOK_ERRORS[fault], "text/html")
        if path != WEBHOOK_PATH:
            return _send(h, 404, "no_service", "text/html")
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


def _read_body(h: Handler) -> dict[str, Any]:
    length = int(h.headers.get("Content-Length") or 0)
    raw = h.rfile.read(length).decode("utf-8") if length else ""
    if h.headers.get("Content-Type", "").startswith("application/json"):
        data = json.loads(raw or "{}")
        return data if isinstance(data, dict) else {}
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    if isinstance(form.get("blocks"), str):  # form posts carry blocks as a JSON string
        form["blocks"] = json.loads(form["blocks"])
    return form


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    with serve_http(slack.answer) as url:
        slack.url = url
        yield slack
