"""What cipipe's two small HTTP services share (``policy serve``, ``model serve``).

Neither has authentication, so each listens on a loopback address unless told otherwise with
``--allow-remote``; each takes an IPv6 host as readily as an IPv4 one and says where it listens.
"""

from __future__ import annotations

import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cipipe.errors import InputError


def check_bind_host(host: str, *, allow_remote: bool, serves: str) -> None:
    """Refuse to expose ``serves`` (what the service hands out) beyond this machine unless
    asked to explicitly."""
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InputError(
            f"{host} is not a loopback address",
            field="--host",
            expected=f"127.0.0.1, ::1 or localhost, or --allow-remote to serve {serves} to "
            "other machines",
        )


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading server bound to ``host`` (IPv4 or IPv6) that knows its own URL."""

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[0], self.server_address[1]
        text = host.decode() if isinstance(host, bytes) else host
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"


def bind_error(host: str, port: int, exc: OSError) -> InputError:
    """The one-line exit-2 error for a port that cannot be bound."""
    return InputError(
        f"cannot listen on {host}:{port}: {exc.strerror or exc}",
        field="--port",
        expected="a free port on a local address",
    )
