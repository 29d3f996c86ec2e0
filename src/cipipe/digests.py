"""Artifact digests (size, sha256, sha1, md5) from one read of the file.

Build artifacts can be gigabytes, and the three hashes together cost about twice the CPU of the
slowest one alone. Reading the file three times, or hashing each chunk three times on one thread,
would make the build step wait for all of that in a row. Instead the calling thread reads the
file once into a small ring of reusable buffers, and worker threads update the hashes from each
buffer; hashlib releases the GIL for large updates, so the hashing runs on all cores at once.

How the hashes are spread over the threads matters as much as the threads themselves. With one
thread per hash on two cores, the scheduler shares the cores fairly among three busy threads, so
the slowest hash gets only two thirds of a core and sets a wall time well above its own. Instead
the hashes are packed into one thread per usable core, slowest first: on two cores the slowest
hash runs alone and the other two share the second core, so both cores stay busy and neither
waits for the other. Which hash is slowest depends on the CPU (md5 where sha1 and sha256 have
instructions of their own, sha256 elsewhere), so it is measured on the first chunks of each
file, which are hashed in the calling thread before the workers start.

The ring bounds memory to ``RING_SIZE * chunk_size`` whatever the size of the file.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cipipe.cpus import usable_cpus

DEFAULT_CHUNK_SIZE = 1 << 20
"""Bytes per read and per buffer of the ring. Large enough that the per-chunk hand-over between
threads costs nothing next to the hashing, small enough that a chunk is still in cache when the
second thread hashes it."""

RING_SIZE = 8
"""Buffers in the ring: enough slack that one thread can run a few chunks ahead of the other
when the scheduler pauses one; measured no faster with more on two cores, and it costs memory."""

THREADED_MIN_SIZE = 4 << 20
"""Below this, threads cost more than they save: the calling thread hashes the chunks in turn."""

CALIBRATION_CHUNKS = 3
"""Chunks hashed in the calling thread, each hash timed, to find the slowest hash. The fastest of
the timings per hash counts, so a chunk on which the thread was preempted does not mislead."""

HASH_NAMES = ("sha256", "sha1", "md5")


@dataclass(frozen=True)
class FileDigests:
    size: int
    sha256: str
    sha1: str
    md5: str


class _Hash(Protocol):
    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


class _Reader(Protocol):
    def readinto(self, buffer: bytearray | memoryview, /) -> int | None: ...


def digest_file(
    path: Path, *, chunk_size: int = DEFAULT_CHUNK_SIZE, threads: int | None = None
) -> FileDigests:
    """Size and sha256 / sha1 / md5 hex digests of ``path``, reading it once.

    ``size`` is the number of bytes read, so it always matches the digests, even for a file that
    changed since someone last looked at its size. ``threads`` caps the hashing threads; the
    default is one per usable core (at most one per hash), and 1 hashes in the calling thread,
    which suits a caller that already digests several files in parallel. Memory stays at
    ``RING_SIZE * chunk_size`` (one chunk without threads), whatever the file's size.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    if threads is None:
        threads = usable_cpus()
    if threads <= 0:
        raise ValueError(f"threads must be positive, got {threads}")
    # md5 and sha1 identify artifacts here and sign nothing; saying so keeps them available on
    # FIPS machines, where OpenSSL refuses them for security use.
    hashes = [hashlib.new(name, usedforsecurity=False) for name in HASH_NAMES]
    # Unbuffered: readinto then copies from the page cache straight into our buffers.
    with path.open("rb", buffering=0) as handle:
        if threads == 1 or os.fstat(handle.fileno()).st_size < THREADED_MIN_SIZE:
            size = _hash_sequential(handle, hashes, chunk_size)
        else:
            size = _hash_threaded(handle, hashes, chunk_size, threads)
    sha256, sha1, md5 = (h.hexdigest() for h in hashes)
    return FileDigests(size=size, sha256=sha256, sha1=sha1, md5=md5)


def _hash_sequential(handle: _Reader, hashes: Sequence[_Hash], chunk_size: int) -> int:
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    while n := handle.readinto(buffer):
        chunk = view[:n]
        for h in hashes:
            h.update(chunk)
        size += n
    return size


def _hash_threaded(handle: _Reader, hashes: Sequence[_Hash], chunk_size: int, threads: int) -> int:
    views = [memoryview(bytearray(chunk_size)) for _ in range(RING_SIZE)]
    size = 0
    best = [float("inf")] * len(hashes)
    for _ in range(CALIBRATION_CHUNKS):
        n = handle.readinto(views[0])
        if not n:
            return size
        size += n
        chunk = views[0][:n]
        for i, h in enumerate(hashes):
            start = time.perf_counter()
            h.update(chunk)
            best[i] = min(best[i], time.perf_counter() - start)
    groups = plan_threads(best, threads)
    workers = [_Worker([hashes[i] for i in group], views) for group in groups]
    for worker in workers:
        worker.start()
    slot = 0
    try:
        while True:
            # A slot is refilled only once every worker is done with it.
            for worker in workers:
                worker.free.acquire()
            n = handle.readinto(views[slot])
            if not n:
                break
            size += n
            for worker in workers:
                worker.submit(slot, n)
            slot = (slot + 1) % RING_SIZE
    finally:
        # Also on a read error or Ctrl-C: the workers stop after what they already have.
        for worker in workers:
            worker.submit(0, 0)
        for worker in workers:
            worker.join()
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return size


def plan_threads(costs: Sequence[float], threads: int) -> list[list[int]]:
    """Indices of ``costs`` packed into at most ``threads`` groups with the least total per group.

    Longest first, each into the group with the least so far. For three hashes on two threads
    this puts the slowest alone, which is optimal: any other split adds a second hash to it.
    """
    groups: list[list[int]] = [[] for _ in range(min(threads, len(costs)))]
    loads = [0.0] * len(groups)
    for index in sorted(range(len(costs)), key=lambda i: -costs[i]):
        target = loads.index(min(loads))
        groups[target].append(index)
        loads[target] += costs[index]
    return groups


class _Worker(threading.Thread):
    """Feeds its hashes from the ring, in order, and hands each slot back when done with it.

    ``free`` counts the slots this worker no longer needs; the reader takes one before it
    overwrites a slot. After an error the worker keeps handing slots back without hashing, so
    the reader never waits forever; the error is raised in the reader's thread at the end.
    """

    def __init__(self, hashes: Sequence[_Hash], views: Sequence[memoryview]) -> None:
        super().__init__(name="cipipe-digest", daemon=True)
        self.hashes = hashes
        self.views = views
        self.free = threading.Semaphore(len(views))
        self.error: BaseException | None = None
        # (slot, length) to hash; length 0 means stop. A deque plus a semaphore is the cheapest
        # blocking queue the standard library has (queue.Queue adds a lock and two conditions).
        self._pending: deque[tuple[int, int]] = deque()
        self._ready = threading.Semaphore(0)

    def submit(self, slot: int, length: int) -> None:
        self._pending.append((slot, length))
        self._ready.release()

    def run(self) -> None:
        while True:
            self._ready.acquire()
            slot, length = self._pending.popleft()
            if length == 0:
                return
            if self.error is None:
                try:
                    chunk = self.views[slot][:length]
                    for h in self.hashes:
                        h.update(chunk)
                except BaseException as exc:
                    self.error = exc
            self.free.release()


def sha256sums_line(hexdigest: str, relative_path: str) -> str:
    r"""One line of a SHA256SUMS file, newline included, byte for byte as GNU sha256sum writes it.

    ``sha256sum -c`` reads one entry per line, so a name holding a newline, a carriage return or
    the backslash that escapes them is written escaped, and the line starts with ``\`` to say
    so (coreutils 9 escapes ``\r`` too, and its ``-c`` expects that). Two spaces: text mode,
    which hashes the same as binary mode on POSIX.
    """
    if len(hexdigest) != 64 or not set(hexdigest) <= set("0123456789abcdef"):
        raise ValueError(f"not a lowercase hex sha256 digest: {hexdigest!r}")
    if not relative_path:
        raise ValueError("empty path")
    if any(c in relative_path for c in "\\\n\r"):
        escaped = relative_path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        return f"\\{hexdigest}  {escaped}\n"
    return f"{hexdigest}  {relative_path}\n"
