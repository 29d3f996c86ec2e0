"""Helpers for the policy server tests: the shipped bundle, a served copy on 127.0.0.1, a
scripted clock and a bundle edit the server notices."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import yaml

from cipipe.risk.policy.bundle import WEIGHTS_FILE
from cipipe.risk.policy.service import PolicyServer, serve_policy
from tests.support.loopback import running_in_thread

SHIPPED = Path(__file__).resolve().parent.parent.parent / "policies"
T0 = 1_000_000.0


@contextmanager
def running(folder: Path) -> Iterator[PolicyServer]:
    """``cipipe policy serve`` of ``folder`` in a thread of this process."""
    server = serve_policy(folder)
    with running_in_thread(server):
        yield server


def reply(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
) -> None:
    """Pass on an answer of the policy server, with the headers a fetch reads."""
    handler.send_response(status)
    for key in ("ETag", "X-Cipipe-Policy-Version", "Content-Type", "Retry-After"):
        if key in headers:
            handler.send_header(key, headers[key])
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def clock(start: float = T0) -> tuple[Callable[[], float], Callable[[float], None]]:
    now = [start]

    def advance(seconds: float) -> None:
        now[0] += seconds

    return (lambda: now[0]), advance


def set_weight(folder: Path, value: float) -> None:
    path = folder / WEIGHTS_FILE
    data = yaml.safe_load(path.read_text())
    data["weights"]["integration_failure"] = value
    path.write_text(yaml.safe_dump(data))
    # The server notices changes by mtime and size; make sure at least one moves.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def no_sleep(seconds: float) -> None:
    pass
