"""Artifact digests (size, sha256, sha1, md5) from one read of the file.

Build artifacts can be gigabytes, and the three hashes together cost about twice as much CPU as
md5 alone, which is the slowest of them. Reading the file three times, or hashing each chunk
three times on one thread, would make the build step wait for all of that in a row. Instead one
reader fills a small ring of reusable buffers and three worker threads, one per hash, update
their hash from each buffer; hashlib releases the GIL for large updates, so on two cores the
work spreads over both and the wall time comes close to md5 alone. The ring bounds memory to
``ring_size * chunk_size`` whatever the size of the file.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

DEFAULT_CHUNK_SIZE = 1 << 20
"""One buffer of the ring; 1 MiB stays in a core's L2 cache while the hashes read it."""

DEFAULT_RING_SIZE = 16
"""Buffers in the ring. Slack lets a hash that the scheduler paused catch up later instead of
stalling the reader, which is what keeps both cores busy; 16 MiB in all."""

THREADED_MIN_SIZE = 4 << 20
"""Below this, starting threads costs more than it saves: hash one chunk at a time in a row."""

_HASH_NAMES = ("sha256", "sha1", "md5")


@dataclass(frozen=True)
class FileDigests:
    size: int
    sha256: str
    sha1: str
    md5: str


class _Hash(Protocol):
    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


def _new_hashes() -> list[_Hash]:
    # md5 and sha1 identify artifacts here; they sign nothing. Saying so keeps them available on
    # FIPS machines, where OpenSSL refuses them by default.
    return [hashlib.new(name, usedforsecurity=False) for name in _HASH_NAMES]


def digest_file(
    path: Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ring_size: int = DEFAULT_RING_SIZE,
    threaded_min_size: int = THREADED_MIN_SIZE,
) -> FileDigests:
    """Size and sha256 / sha1 / md5 hex digests of ``path``, reading it once.

    ``size`` is the number of bytes read, so it matches the digests even if the file changed
    since it was last looked at. Memory stays at ``ring_size * chunk_size`` (threaded) or one
    chunk (sequential) whatever the file's size.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    if ring_size < 2:
        raise ValueError(f"ring_size must be at least 2, got {ring_size}")
    # Unbuffered: readinto then fills our own buffers straight from the page cache, no copy.
    with path.open("rb", buffering=0) as handle:
        hashes = _new_hashes()
        if os.fstat(handle.fileno()).st_size < threaded_min_size:
            size = _hash_sequential(handle, hashes, chunk_size)
        else:
            size = _hash_threaded(handle, hashes, chunk_size, ring_size)
    sha256, sha1, md5 = (h.hexdigest() for h in hashes)
    return FileDigests(size=size, sha256=sha256, sha1=sha1, md5=md5)


class _Reader(Protocol):
    def readinto(self, buffer: bytearray | memoryview, /) -> int | None: ...


def _hash_sequential(handle: _Reader, hashes: list[_Hash], chunk_size: int) -> int:
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    size = 0
    while n := handle.readinto(buffer):
        chunk = view[:n]
        for h in hashes:
            h.update(chunk)
        size += n
    return size


class _Worker(threading.Thread):
    """Feeds one hash from the ring, in order, and hands each slot back when done with it.

    ``free`` counts the slots this worker has finished with; the reader takes one from every
    worker before it overwrites a slot, so a slot is refilled only once all hashes have read it.
    """

    def __init__(self, hasher: _Hash, views: list[memoryview]) -> None:
        super().__init__(name=f"digest-{type(hasher).__name__}", daemon=True)
        self.hasher = hasher
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
                    self.hasher.update(self.views[slot][:length])
                except BaseException as exc:  # keep draining so the reader never waits forever
                    self.error = exc
            self.free.release()


def _hash_threaded(handle: _Reader, hashes: list[_Hash], chunk_size: int, ring_size: int) -> int:
    views = [memoryview(bytearray(chunk_size)) for _ in range(ring_size)]
    workers = [_Worker(h, views) for h in hashes]
    for worker in workers:
        worker.start()
    size = 0
    slot = 0
    try:
        while True:
            for worker in workers:
                worker.free.acquire()
            n = handle.readinto(views[slot])
            if not n:
                break
            size += n
            for worker in workers:
                worker.submit(slot, n)
            slot = (slot + 1) % ring_size
    finally:
        # Also on a read error or Ctrl-C: stop the workers after what they already have.
        for worker in workers:
            worker.submit(0, 0)
        for worker in workers:
            worker.join()
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return size


def sha256sums_line(hexdigest: str, relative_path: str) -> str:
    r"""One line of a SHA256SUMS file, newline included, exactly as GNU ``sha256sum`` writes it.

    ``sha256sum -c`` reads one entry per line, so a name holding a newline (or a carriage return,
    or the backslash that escapes them) is written escaped, and the line starts with ``\`` to say
    so. Text mode and binary mode hash the same on POSIX; GNU marks text mode with two spaces.
    """
    if any(c in relative_path for c in "\\\n\r"):
        escaped = relative_path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        return f"\\{hexdigest}  {escaped}\n"
    return f"{hexdigest}  {relative_path}\n"
