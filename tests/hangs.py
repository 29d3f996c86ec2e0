"""Hang detectors for tests of hostile input: a wall-clock limit that fails the test instead of
hanging the suite. The limits are generous (speed targets live in bench/); they only tell a
slow refusal from none at all."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

HANG_SECONDS = 10.0
# A step run in-process may import its heavy dependencies first (cyclonedx and jsonschema take
# seconds on a loaded machine): a hang of a whole step is told apart at this.
STEP_HANG_SECONDS = 60.0


class Hung(AssertionError):
    pass


@contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail with ``Hung`` when the block runs longer than ``seconds`` (SIGALRM: main thread,
    and only where Python code runs; a FIFO needs ``unblocking`` as well)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds:g}s: a hang, not a refusal")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def unblocking(fifo: Path, seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Should a read of the FIFO block, open its other end after ``seconds`` so the reader
    sees the end of the file and the test fails instead of hanging."""
    done = threading.Event()

    def rescue() -> None:
        if not done.wait(seconds) and fifo.is_fifo():
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    helper = threading.Thread(target=rescue, daemon=True)
    helper.start()
    try:
        yield
    finally:
        done.set()
        helper.join()
