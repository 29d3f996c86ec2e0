"""A fake Artifactory on 127.0.0.1: the REST subset ``ArtifactoryRestStore`` uses, as documented.

Deploy (``PUT /{repo}/{path};k=v``) checks the X-Checksum-* headers against the body (409 with
Artifactory's ``errors`` document on a mismatch); checksum deploy (``X-Checksum-Deploy: true``)
answers 201 when some stored file has that sha256 and 404 otherwise. Content is kept by sha256
and ``bytes_received`` counts every deploy body byte read, so a test sees what was really sent.
Faults are injected per request kind, from a queue (``fail``) or at a seeded random rate.

Only the real endpoints answer, with their real methods (``ROUTES``), and each checks its
request as Artifactory does: an unknown API path is 404, a known path with another method 405
(with ``Allow``), a build info that is not a JSON object with ``name``, ``number`` and
``started`` 400, a body of the wrong media type 415, a property key Artifactory forbids 400;
all with Artifactory's ``errors`` document. Every such refusal is also kept in ``refused``, so
a client that strays from the API fails its test instead of meeting a forgiving fake. An
endpoint Artifactory has but this fake does not is 501, never a made-up answer.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.artifactory_api import (
    PropertyListError,
    Refusal,
    check_request,
    parse_matrix_params,
    parse_properties,
    route_of,
)
from tests.support.loopback import serve_http

__all__ = ["FakeArtifactory", "StoredItem", "parse_matrix_params", "parse_properties", "serve"]

CONTEXT = "/artifactory"
KINDS = (
    "deploy",
    "checksum_deploy",
    "storage",
    "set_properties",
    "delete_properties",
    "build",
    "aql",
    "download",
    "head",
    "delete",
)
RETRYABLE_FAULTS = ("500", "502", "503", "429", "reset")
Handler = BaseHTTPRequestHandler
Props = dict[str, list[str]]
_AQL = re.compile(r"^\s*items\.find\((?P<criteria>.*)\)\.include\((?P<include>.*)\)\s*$", re.S)


@dataclass
class StoredItem:
    sha256: str
    properties: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Seen:
    kind: str
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class FakeArtifactory:
    authorization: dict[str, str] | None = None
    """Headers (name -> exact value) every request must carry; None: anonymous access."""
    stall_seconds: float = 2.0
    conflict_message: str = "injected conflict"
    items: dict[tuple[str, str], StoredItem] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    builds: list[Any] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    refused: list[Seen] = field(default_factory=list)
    """Requests the real Artifactory would refuse (unknown path, method, body, media type)."""
    bytes_received: int = 0
    faults: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    _rng: random.Random | None = None
    _rate: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def fail(self, kind: str, *faults: str) -> None:
        """Answer the next requests of ``kind`` with ``faults``: "500", "502", "503", "429[:S]"
        (Retry-After S), "reset" (RST mid-body), "stall", "301", "409", "401"; "mangle" (a
        deploy keeps the body with one byte flipped, as a proxy that alters it and drops the
        X-Checksum headers would, and reports the kept bytes' real checksums); "pass" (answer
        normally, so that the next fault hits a later request)."""
        assert kind in KINDS, kind
        self.faults.setdefault(kind, []).extend(faults)

    def random_faults(self, seed: int, rate: float) -> None:
        """Fail about ``rate`` of all requests with a retryable fault, reproducibly."""
        self._rng, self._rate = random.Random(seed), rate

    def kinds(self) -> list[str]:
        return [s.kind for s in self.seen]

    def put_file(self, repo: str, path: str, data: bytes, **props: str) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        self.items[(repo, path)] = StoredItem(sha, {k: [v] for k, v in props.items()})
        return sha

    def answer(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        raw_path, _, matrix = parts.path.partition(";")
        path = unquote(raw_path).removeprefix(CONTEXT).lstrip("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        route = route_of(h.command, path, query)
        kind = "refused" if isinstance(route, Refusal) else route.kind
        if kind == "deploy" and h.headers.get("X-Checksum-Deploy") == "true":
            kind = "checksum_deploy"
        seen = Seen(kind, h.command, path, parts.query, dict(h.headers.items()))
        with self._lock:
            self.seen.append(seen)
            fault = self._next_fault(kind) if kind in KINDS else None
        if fault is not None and fault not in ("pass", "mangle"):
            return self._fault(h, kind, fault)
        body = self._read_body(h, kind)
        if self.authorization and any(h.headers.get(k) != v for k, v in self.authorization.items()):
            return _errors(h, 401, "Bad credentials")
        refusal = (
            route if isinstance(route, Refusal) else check_request(kind, h.headers, body, query)
        )
        if refusal is not None:
            with self._lock:
                self.refused.append(seen)
            return _errors(h, refusal.status, refusal.message, refusal.headers)
        if kind in ("deploy", "checksum_deploy"):
            try:
                props = parse_matrix_params(matrix)
            except PropertyListError as error:
                with self._lock:
                    self.refused.append(seen)
                return _errors(h, 400, str(error))
            if fault == "mangle" and kind == "deploy":
                return self._deploy(h, kind, path, _mangled(body), props, mangled=True)
            return self._deploy(h, kind, path, body, props)
        if kind == "build":
            self.builds.append(json.loads(body))
            return _send(h, 204, None)
        if kind == "aql":
            return self._aql(h, body.decode())
        return self._on_item(h, kind, path, query)

    def _on_item(self, h: Handler, kind: str, path: str, query: dict[str, list[str]]) -> None:
        """The routes on one stored file: file info, properties, download, delete."""
        repo, _, name = path.removeprefix("api/storage/").partition("/")
        item = self.items.get((repo, name))
        if item is None:
            return _errors(h, 404, f"Unable to find item {repo}/{name}")
        if kind == "set_properties":
            item.properties.update(parse_properties(query["properties"][0]))
            return _send(h, 204, None)
        if kind == "delete_properties":
            for key in query["properties"][0].split(","):
                item.properties.pop(key, None)
            return _send(h, 204, None)
        if kind == "delete":
            del self.items[(repo, name)]
            return _send(h, 204, None)
        if kind == "storage" and "properties" in query:
            return self._properties(h, item, query["properties"][0])
        if kind == "storage" and query:
            return _errors(
                h, 501, f"GET /api/storage ?{'&'.join(query)} is not implemented by the fake"
            )
        if kind == "storage":
            return _send(h, 200, self._info(repo, name, item))
        data = self.blobs[item.sha256]
        return _send(h, 200, data, {f"X-Checksum-{k.title()}": v for k, v in _sums(data).items()})

    def _properties(self, h: Handler, item: StoredItem, wanted: str) -> None:
        """``?properties`` (all) or ``?properties=a,b`` (those); 404 when none is there."""
        keys = [k for k in wanted.split(",") if k]
        found = {k: v for k, v in item.properties.items() if not keys or k in keys}
        if not found:
            return _errors(h, 404, "No properties could be found.")
        return _send(h, 200, {"properties": found})

    def _next_fault(self, kind: str) -> str | None:
        if self.faults.get(kind):
            return self.faults[kind].pop(0)
        if self._rng is not None and self._rng.random() < self._rate:
            return self._rng.choice(RETRYABLE_FAULTS)
        return None

    def _read_body(self, h: Handler, kind: str, part: float = 1.0) -> bytes:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(max(1, int(length * part))) if length else b""
        if kind in ("deploy", "checksum_deploy"):
            with self._lock:
                self.bytes_received += len(body)
        return body

    def _fault(self, h: Handler, kind: str, fault: str) -> None:
        if fault == "reset":
            if not self._read_body(h, kind, part=0.5) and kind == "download":
                h.send_response(200)
                h.send_header("Content-Length", "1000")
                h.end_headers()
                h.wfile.write(b"x" * 10)
                h.wfile.flush()
            return _reset(h)
        if fault == "stall":
            self._stop.wait(self.stall_seconds)
            return _reset(h)
        self._read_body(h, kind)
        status, _, retry_after = fault.partition(":")
        if status == "301":
            return _send(h, 301, None, {"Location": f"https://elsewhere.invalid{h.path}"})
        if status == "409":
            return _errors(h, 409, self.conflict_message)
        headers = {"Retry-After": retry_after or "1"} if status == "429" else {}
        _errors(h, int(status), f"injected {status}", headers)

    def _deploy(
        self, h: Handler, kind: str, path: str, body: bytes, props: Props, mangled: bool = False
    ) -> None:
        repo, _, name = path.partition("/")
        if kind == "checksum_deploy":
            sha = (h.headers.get("X-Checksum-Sha256") or "").lower()
            if sha not in self.blobs:
                return _errors(h, 404, "Checksum deploy failed: no artifact with this checksum")
        else:
            actual = _sums(body)
            for algorithm, value in actual.items():
                sent = h.headers.get(header := f"X-Checksum-{algorithm.title()}")
                if sent is not None and sent.lower() != value and not mangled:
                    message = f"Checksum error for '{header}': received '{sent}' but actual {value}"
                    return _errors(h, 409, message)
            sha = actual["sha256"]
            self.blobs[sha] = body
        self.items[(repo, name)] = StoredItem(sha, props)
        _send(h, 201, self._info(repo, name, self.items[(repo, name)]))

    def _info(self, repo: str, name: str, item: StoredItem) -> dict[str, Any]:
        data = self.blobs[item.sha256]
        sums = _sums(data)
        return {
            "repo": repo,
            "path": f"/{name}",
            "downloadUri": f"{self.url}/{repo}/{name}",
            "mimeType": "application/octet-stream",
            "size": str(len(data)),
            "checksums": sums,
            "originalChecksums": sums,
            "uri": f"{self.url}/api/storage/{repo}/{name}",
        }

    def _aql(self, h: Handler, query: str) -> None:
        match = _AQL.match(query)
        if match is None:
            return _errors(h, 400, f"unsupported AQL {query!r}")
        criteria = json.loads(match["criteria"])
        rows = []
        for (repo, name), item in sorted(self.items.items()):
            folder, _, base = name.rpartition("/")
            folder = folder or "."
            try:
                if not all(_aql_match(k, v, repo, folder, item) for k, v in criteria.items()):
                    continue
            except ValueError as error:
                return _errors(h, 400, str(error))
            row: dict[str, Any] = {"repo": repo, "path": folder, "name": base}
            row.update(size=len(self.blobs[item.sha256]), sha256=item.sha256)
            if '"property"' in match["include"]:
                row["properties"] = [
                    {"key": k, "value": v} for k, vs in item.properties.items() for v in vs
                ]
            rows.append(row)
        total = len(rows)
        _send(
            h, 200, {"results": rows, "range": {"start_pos": 0, "end_pos": total, "total": total}}
        )


def _aql_match(key: str, want: Any, repo: str, folder: str, item: StoredItem) -> bool:
    if key == "repo":
        return bool(repo == want)
    if key == "path" and isinstance(want, dict) and set(want) == {"$match"}:
        return fnmatchcase(folder, want["$match"])
    if key.startswith("@") and isinstance(want, str):
        return want in item.properties.get(key[1:], [])
    raise ValueError(f"AQL criterion {key!r} is outside the fake's subset")


def _mangled(body: bytes) -> bytes:
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1 :] if body else b"?"


def _sums(data: bytes) -> dict[str, str]:
    return {name: hashlib.new(name, data).hexdigest() for name in ("sha1", "sha256", "md5")}


def _reset(h: Handler) -> None:
    """Close with RST, not FIN: what a proxy dropping the connection looks like."""
    with suppress(OSError):
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
    h.close_connection = True


def _errors(h: Handler, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    _send(h, status, {"errors": [{"status": status, "message": message}]}, headers)


def _send(h: Handler, status: int, body: object, headers: dict[str, str] | None = None) -> None:
    data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    with suppress(OSError):
        h.send_response(status)
        if not isinstance(body, bytes):
            h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        if h.command != "HEAD":  # a HEAD answer has the headers of the GET, never its body
            h.wfile.write(data)


@contextmanager
def serve(fake: FakeArtifactory) -> Iterator[FakeArtifactory]:
    """Serve ``fake`` on a free loopback port; ``fake.url`` ends in ``/artifactory``."""
    with serve_http(fake.answer, http11=True) as base:
        fake.url = f"{base}{CONTEXT}"
        try:
            yield fake
        finally:
            fake._stop.set()  # release stalled handlers before the server shuts down
