"""Hostile input's classic document and hang detectors for its tests: a wall-clock limit that
fails the test instead of hanging the suite. The limits are generous (speed targets live in
bench/); they only tell a slow refusal from none at all."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

# The classic: 342 bytes that expand to 9**9 strings (a billion laughs) once the aliases are
# followed. PyYAML parses it in a millisecond; whatever walks the result then runs for ever.
BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
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
