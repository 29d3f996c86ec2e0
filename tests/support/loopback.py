"""A threaded HTTP server on 127.0.0.1 for the HTTP fakes of the tests.

``serve_http`` runs the Artifactory, GitHub, Jenkins, MLflow and Slack fakes and the one-fault
servers of the policy-fetch tests. ``send`` is the plain JSON answer the GitHub, MLflow and Slack
fakes use; the Artifactory and Jenkins fakes keep their own ``_send`` (Artifactory's checksum
headers, Jenkins' content type). PostgreSQL is a real throwaway server
(``tests/support/pgserver.py``) and the policy service a real ``cipipe policy serve``: neither
goes through this module."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def serve_http(answer: Answer, *, http11: bool = False) -> Iterator[str]:
    """Serve ``answer`` on a free loopback port for the ``with`` block; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if http11 else "HTTP/1.0"
        # Headers and body go out in separate writes; with Nagle on, each response waits for
        # the client's delayed ACK (40 ms), which made a few hundred publishes take minutes.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            answer(self)

        # Every method reaches ``answer``, which refuses what its real service would refuse.
        do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with running_in_thread(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


@contextmanager
def running_in_thread(server: ThreadingHTTPServer) -> Iterator[None]:
    """``server`` serving in a thread of this process for the ``with`` block, then stopped and
    closed (a stop that hangs is given up after 10 s rather than hanging the suite)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: object,
    content_type: str = "application/json; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with ``body``: a str as is, anything else as JSON (no body to a HEAD request)."""
    data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server a test starts itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
