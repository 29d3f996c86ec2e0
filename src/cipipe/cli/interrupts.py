"""SIGTERM handled like Ctrl-C: the command unwinds and cipipe exits 143 with one line.

Jenkins stops a build with SIGTERM (then SIGKILL when it lingers). Python's default for SIGTERM
is to die on the spot, mid-request, without a word. With ``sigterm_unwinds`` the signal becomes
an exception in the main thread instead, like SIGINT's KeyboardInterrupt: pending work is not
started, context managers close, and the CLI prints ``cipipe: terminated`` and exits 128 + 15,
as a shell reports a process that SIGTERM ended.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

TERMINATED_EXIT = 128 + int(signal.SIGTERM)
INTERRUPTED_EXIT = 128 + int(signal.SIGINT)


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt, so that no ``except
    Exception`` on the way out mistakes it for an ordinary failure and carries on."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` in the main thread. Outside the main
    thread (a test runner's worker) handlers cannot be set, and the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
