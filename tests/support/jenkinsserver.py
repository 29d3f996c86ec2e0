"""A fake Jenkins on 127.0.0.1: real HTTP, recorded JSON, the ``{M,N}`` range of ``tree``.

It answers ``GET /job/NAME[/job/NAME...]/api/json?tree=allBuilds[...]{M,N}`` with that slice
of the job's recorded builds, checks the Authorization header when told to, and can be told to
fail the first requests of a job with given statuses (503, 429...) to exercise retries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import serve_http

DATA = Path(__file__).resolve().parent.parent / "data" / "jenkins"
_TREE = re.compile(r"^(?P<prop>\w+)\[(?P<fields>.*)\]\{(?P<start>\d*),(?P<end>\d*)\}$")


def recorded_builds(name: str = "gateway-allBuilds.json") -> list[dict[str, Any]]:
    builds: list[dict[str, Any]] = json.loads((DATA / name).read_text())["allBuilds"]
    return builds


@dataclass
class Seen:
    path: str
    tree: str | None
    authorization: str | None


@dataclass
class FakeJenkins:
    jobs: dict[str, list[dict[str, Any]]]
    """``job/a/job/b`` -> that job's builds, newest first."""
    authorization: str | None = None
    """The exact Authorization header to require; None: anonymous access."""
    fail_first: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    """``job/x`` -> (status, headers) answered, in order, before any real answer."""
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        tree = parse_qs(parts.query).get("tree", [None])[0]
        auth = handler.headers.get("Authorization")
        self.seen.append(Seen(parts.path, tree, auth))
        if self.authorization is not None and auth != self.authorization:
            return _send(handler, 401, {"error": "Unauthorized"}, {"WWW-Authenticate": "Basic"})
        job = parts.path.strip("/").removesuffix("/api/json")
        if self.fail_first.get(job):
            status, headers = self.fail_first[job].pop(0)
            return _send(handler, status, {"error": "unavailable"}, headers)
        if job not in self.jobs:
            return _send(handler, 404, {"error": "Not Found"})
        match = _TREE.match(tree or "")
        if match is None or match["prop"] != "allBuilds":
            return _send(handler, 400, {"error": f"unsupported tree {tree!r}"})
        start = int(match["start"] or 0)
        end = int(match["end"]) if match["end"] else None
        page = self.jobs[job][start:end]
        _send(
            handler,
            200,
            {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "allBuilds": page},
        )


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: object,
    headers: dict[str, str] | None = None,
) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json;charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


@contextmanager
def serve(fake: FakeJenkins) -> Iterator[FakeJenkins]:
    """Serve ``fake`` on a free loopback port for the ``with`` block; ``fake.url`` is its URL."""
    with serve_http(fake.answer) as base:
        fake.url = base
        yield fake
