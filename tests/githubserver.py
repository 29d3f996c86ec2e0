"""A fake GitHub on 127.0.0.1: the REST subset ``GitHubRest`` uses, kept in memory.

Issue comments per (repo, number) with ids and ``html_url``, listed oldest first with
``per_page`` honoured (at most 100) and a ``Link`` header; commit statuses per (repo, sha),
checked as GitHub does (state, a description of at most 140 characters). Every request must
carry ``Authorization: Bearer <token>`` (401 "Bad credentials" otherwise); an unknown repository
or issue is 404. ``prefix`` serves the API under a path, as Enterprise does (``/api/v3``).
Faults come from a queue (``fail``), one per request, before any other check.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import serve_http

Handler = BaseHTTPRequestHandler
STATES = ("error", "failure", "pending", "success")


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    token: str = "ghp_FakeToken0123456789abcdefABCDEF"
    prefix: str = ""
    login: str = "cipipe-bot"
    issues: set[tuple[str, int]] = field(default_factory=set)
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    url: str = ""
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_pr(self, repo: str, number: int) -> None:
        self.issues.add((repo, number))
        self.comments.setdefault((repo, number), [])

    def add_comment(self, repo: str, number: int, body: str, user: str = "someone") -> int:
        self.add_pr(repo, number)
        return self._create(repo, number, body, user)["id"]  # type: ignore[no-any-return]

    def fail(self, *faults: str) -> None:
        """Answer the next requests with ``faults``: "500", "502", "429:S" (Retry-After S),
        "403-secondary:S" (403 with Retry-After S), "403-secondary" (403 naming the secondary
        limit, no header), "403-reset:S" (x-ratelimit-remaining 0, reset in S seconds),
        "401", or "502-after" (do the work, then answer 502: a lost answer). "POST 502-after"
        is for the next POST only."""
        self.faults.extend(faults)

    def _next_fault(self, method: str) -> str | None:
        for index, fault in enumerate(self.faults):
            wanted, _, kind = fault.rpartition(" ")
            if wanted in ("", method):
                del self.faults[index]
                return kind
        return None

    def comments_of(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.comments.get((repo, number), [])

    def answer(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.seen.append(Seen(h.command, parts.path, query, dict(h.headers.items()), body))
            fault = self._next_fault(h.command)
            if fault is not None and fault != "502-after":
                return _fault(h, fault)
            if h.headers.get("Authorization") != f"Bearer {self.token}":
                return _send(h, 401, {"message": "Bad credentials"})
            status, answer, headers = self._route(h.command, parts.path, query, body)
            if fault == "502-after":
                status, answer, headers = 502, {"message": "Server Error"}, {}
        _send(h, status, answer, headers)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if not path.startswith(f"{self.prefix}/repos/"):
            return 404, {"message": "Not Found"}, {}
        parts = path.removeprefix(f"{self.prefix}/repos/").split("/")
        if len(parts) < 4:
            return 404, {"message": "Not Found"}, {}
        repo, rest = f"{parts[0]}/{parts[1]}", parts[2:]
        if rest[0] == "issues" and len(rest) == 3 and rest[2] == "comments" and rest[1].isdigit():
            number = int(rest[1])
            if (repo, number) not in self.issues:
                return 404, {"message": "Not Found"}, {}
            if method == "GET":
                return self._list(path, repo, number, query)
            if method == "POST" and isinstance(body, dict) and isinstance(body.get("body"), str):
                return 201, self._create(repo, number, body["body"], self.login), {}
        if rest[:2] == ["issues", "comments"] and len(rest) == 3 and method == "PATCH":
            for (r, _), comments in self.comments.items():
                for comment in comments:
                    if r == repo and str(comment["id"]) == rest[2]:
                        comment["body"] = body["body"]
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if rest[0] == "statuses" and len(rest) == 2 and method == "POST":
            return self._status(repo, rest[1], body)
        return 404, {"message": "Not Found"}, {}

    def _create(self, repo: str, number: int, text: str, user: str) -> dict[str, Any]:
        self._next_id += 1
        comment = {
            "id": self._next_id,
            "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{self._next_id}",
            "body": text,
            "user": {"login": user},
        }
        self.comments[(repo, number)].append(comment)
        return comment

    def _list(
        self, path: str, repo: str, number: int, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(100, int(query.get("per_page", "30")))
        page = int(query.get("page", "1"))
        comments = self.comments[(repo, number)]
        last = max(1, -(-len(comments) // per_page))
        headers = {}
        if page < last:
            link = f"{self.url}{path.removeprefix(self.prefix)}?per_page={per_page}&page="
            headers["Link"] = f'<{link}{page + 1}>; rel="next", <{link}{last}>; rel="last"'
        return 200, comments[(page - 1) * per_page : page * per_page], headers

    def _status(self, repo: str, sha: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or body.get("state") not in STATES:
            return 422, {"message": "Validation Failed", "errors": [{"field": "state"}]}, {}
        if len(body.get("description") or "") > 140:
            return 422, {"message": "Validation Failed", "errors": [{"field": "description"}]}, {}
        status = {**body, "creator": {"login": self.login}}
        self.statuses.setdefault((repo, sha), []).append(status)
        return 201, status, {}


def _fault(h: Handler, fault: str) -> None:
    kind, _, seconds = fault.partition(":")
    if kind == "401":
        return _send(h, 401, {"message": "Bad credentials"})
    if kind == "429":
        return _send(h, 429, {"message": "Too Many Requests"}, {"Retry-After": seconds or "1"})
    if kind.startswith("403"):
        message = "You have exceeded a secondary rate limit. Please wait a few minutes."
        headers = {"Retry-After": seconds} if kind == "403-secondary" and seconds else {}
        if kind == "403-reset":
            headers = {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(time.time() + float(seconds or "1"))),
            }
            message = "API rate limit exceeded"
        return _send(h, 403, {"message": message}, headers)
    _send(h, int(kind), {"message": f"injected {kind}"})


def _send(h: Handler, status: int, body: object, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json; charset=utf-8")
    h.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(data)


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve ``fake`` on a free loopback port; ``fake.url`` is its API base (with ``prefix``)."""
    with serve_http(fake.answer, http11=True) as base:
        fake.url = f"{base}{fake.prefix}"
        yield fake
