"""Serve the policy bundle over HTTP (seed Step 3 F, option B).

One small read-only server answers ``GET /policy`` with the four files as they are on disk,
their version id and the commit that last touched them, so every pipeline fetches the same
bundle without a checkout of the policy repository. The server re-validates the folder when a
file changes and never serves a bundle that fails validation: an edit in progress or a broken
push keeps the last good bundle online, with a warning in the log.

Nothing is served through a symbolic link: a folder or file that is one (a commit to the
policy repository could make ``risk-weights.yaml`` point at a secret on the host) is refused
at start-up with exit 2, and while serving it is an invalid change that keeps the last good
bundle online. The files are read with ``O_NOFOLLOW``, and the bytes checked are the bytes sent.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cipipe.contracts.limits import MAX_YAML_BYTES
from cipipe.errors import InputError
from cipipe.fileio import link_refused, read_unfollowed
from cipipe.risk.local_http import LocalHTTPServer, bind_error
from cipipe.risk.policy.bundle import (
    MAPPING_FILE,
    METADATA_FILE,
    THRESHOLDS_FILE,
    WEIGHTS_FILE,
    PolicyBundle,
    folder_commit,
    load_policy_bundle,
)

SCHEMA = "cipipe.policy-bundle/1"
BUNDLE_FILES = (WEIGHTS_FILE, MAPPING_FILE, THRESHOLDS_FILE, METADATA_FILE)
POLICY_PATH = "/policy"
VERSION_PATH = "/policy/version"
VERSION_HEADER = "X-Cipipe-Policy-Version"

log = logging.getLogger("cipipe.policy")

# (file name, mtime_ns, size); None for a file that is missing.
Stamp = tuple[tuple[str, int, int] | None, ...]


def bundle_from_texts(files: dict[str, str], work: Path) -> PolicyBundle:
    """Validate the four file texts by writing them to ``work`` and loading that folder.

    Both the server and the fetcher validate exactly the bytes they serve or received, never a
    folder that may change between the check and the read.
    """
    for name in BUNDLE_FILES:
        (work / name).write_text(files[name], encoding="utf-8")
    return load_policy_bundle(work)


def policy_document(version_id: str, git_commit: str | None, files: dict[str, str]) -> bytes:
    document = {
        "schema": SCHEMA,
        "version_id": version_id,
        "git_commit": git_commit,
        "files": {name: files[name] for name in BUNDLE_FILES},
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """One validated state of the folder, ready to send."""

    version_id: str
    body: bytes


class PolicySource:
    """The last good bundle of ``folder``; a stat per request tells when to look again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._stamp = self._stat()
        # Nothing good to fall back on yet: a bad folder at start-up is the caller's error.
        self._good = self._load()

    def current(self) -> Snapshot:
        with self._lock:
            stamp = self._stat()
            if stamp != self._stamp:
                # Remember the stamp even when the folder is bad, so it is validated (and
                # warned about) once per change rather than on every request.
                self._stamp = stamp
                try:
                    self._good = self._load()
                    log.info("policy %s now serves %s", self.folder, self._good.version_id)
                except InputError as exc:
                    log.warning(
                        "policy folder %s is invalid (%s); still serving %s",
                        self.folder,
                        exc,
                        self._good.version_id,
                    )
            return self._good

    def _stat(self) -> Stamp:
        stamps: list[tuple[str, int, int] | None] = []
        for name in BUNDLE_FILES:
            try:
                # lstat: a file swapped for a link is a change, to be checked (and refused).
                info = os.lstat(self.folder / name)
            except OSError:
                stamps.append(None)
            else:
                stamps.append((name, info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def _load(self) -> Snapshot:
        if self.folder.is_symlink():
            raise link_refused(self.folder)
        if not self.folder.is_dir():
            raise InputError("policy folder not found", file=str(self.folder), expected="a folder")
        files = {name: _read_served(self.folder / name, self.folder) for name in BUNDLE_FILES}
        with tempfile.TemporaryDirectory(prefix="cipipe-policy-") as tmp:
            try:
                bundle = bundle_from_texts(files, Path(tmp))
            except InputError as exc:
                # Name the real file, not the temp copy.
                name = Path(exc.file).name if exc.file else None
                file = str(self.folder / name) if name else str(self.folder)
                raise InputError(
                    exc.detail, file=file, field=exc.field, expected=exc.expected
                ) from None
        body = policy_document(bundle.version_id, folder_commit(self.folder), files)
        return Snapshot(bundle.version_id, body)


def _read_served(path: Path, folder: Path) -> str:
    """The text of one bundle file, read without following a link (refused, exit 2)."""
    try:
        # A bundle file is hand-written YAML or Markdown: the YAML cap fits every one of them.
        data = read_unfollowed(path, limit=MAX_YAML_BYTES, root=folder)
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None
    # Universal newlines, as the policy loader reads the same file: one text, one version id.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _etag_matches(header: str | None, version_id: str) -> bool:
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or f'"{version_id}"' in tags


class PolicyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each answer waits for the
    # client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server: PolicyServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        if path not in (POLICY_PATH, VERSION_PATH):
            self._send(404, b"not found; try GET /policy\n", "text/plain; charset=utf-8")
            return
        snapshot = self.server.source.current()
        headers = {"ETag": f'"{snapshot.version_id}"', VERSION_HEADER: snapshot.version_id}
        if path == VERSION_PATH:
            body = f"{snapshot.version_id}\n".encode()
            self._send(200, body, "text/plain; charset=utf-8", headers)
        elif _etag_matches(self.headers.get("If-None-Match"), snapshot.version_id):
            self._send(304, b"", None, headers)
        else:
            self._send(200, snapshot.body, "application/json", headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("policy server: " + format, *args)


class PolicyServer(LocalHTTPServer):
    daemon_threads = True

    def __init__(self, source: PolicySource, host: str, port: int) -> None:
        self.source = source
        super().__init__(host, port, PolicyHandler)

    @property
    def url(self) -> str:
        return self.base_url + POLICY_PATH


def serve_policy(folder: Path, host: str = "127.0.0.1", port: int = 0) -> PolicyServer:
    """A bound, not yet running server; call ``serve_forever`` (port 0 picks a free port).

    Raises InputError when the folder is not a valid bundle: there is no good copy to serve.
    """
    source = PolicySource(folder)
    try:
        return PolicyServer(source, host, port)
    except OSError as exc:
        raise bind_error(host, port, exc) from None
