"""The work folder: where every step reads the files of earlier steps and writes its own.

Nothing in it is followed through a symbolic link: not the folder itself, not ``.lock``, not a
file a step reads or writes. By default the folder is ``.cipipe`` inside the checkout, so a
commit could plant a link there (``.cipipe/.lock -> ~/.ssh/authorized_keys``); such a link is
refused with exit 2 and left alone.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from cipipe.contracts.base import Contract
from cipipe.contracts.loading import read_contract
from cipipe.errors import InputError, LinkRefusedError, WorkdirBusyError
from cipipe.fileio import atomic_write_text, link_refused, open_regular

C = TypeVar("C", bound=Contract)

DEFAULT_WORKDIR = ".cipipe"
LOCK_NAME = ".lock"
COUNTER_NAME = ".build-counter"
DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0


class WorkDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_depth = 0  # re-entrant: `cipipe run` holds the lock across its steps

    def root(self, field: str = "--workdir") -> Path:
        """The folder, once it is known not to be a link (its parents may be: /tmp often is);
        ``field``: the option that named it, for the error."""
        if self.path.is_symlink():
            raise LinkRefusedError(
                "is a symbolic link",
                file=str(self.path),
                field=field,
                expected="a real folder (give the link's target instead)",
            )
        return self.path

    def file(self, name: str) -> Path:
        # Names come from contracts and config; refuse anything that could leave the folder.
        if not name or "/" in name or "\\" in name or name in {".", ".."}:
            raise InputError(f"not a plain file name: {name!r}", file=str(self.path))
        path = self.root() / name
        if path.is_symlink():
            raise link_refused(path)
        return path

    def exists(self, model: type[Contract]) -> bool:
        """Whether anything is at the file's name. A folder, a FIFO or a device there counts:
        reading it is then an error, never "the step did not run" (fail closed)."""
        return os.path.lexists(self.file(model.FILE_NAME))

    def read(self, model: type[C], *, produced_by: str | None = None) -> C:
        path = self.file(model.FILE_NAME)
        if not path.exists() and produced_by:
            raise InputError(
                f"missing; run `cipipe {produced_by}` first (or point --workdir at its folder)",
                file=str(path),
            )
        return read_contract(model, path)

    def read_optional(self, model: type[C]) -> C | None:
        """The file when a step wrote it; None when nothing is there. Anything else in its
        place is an error: a broken file, and a folder or a FIFO, which must not pass as
        "not produced" (a gate would then judge without the evidence)."""
        return self.read(model) if self.exists(model) else None

    def write(self, contract: Contract) -> Path:
        return self.write_text(contract.FILE_NAME, contract.to_json())

    def write_text(self, name: str, text: str) -> Path:
        path = self.file(name)
        atomic_write_text(path, text, root=self.path)
        return path

    def next_build_number(self) -> int:
        """A local build counter, for laptops where neither --build-id nor Jenkins gives one.

        Call it while holding the lock, so two builds never get the same number."""
        counter = self.file(COUNTER_NAME)
        try:
            current = int(counter.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            current = 0
        atomic_write_text(counter, f"{current + 1}\n", root=self.path)
        return current + 1

    @contextlib.contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the folder's lock; a second cipipe waits up to ``timeout`` seconds, then fails."""
        import fcntl

        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        if timeout is None:
            timeout = _lock_timeout_from_env()
        self.root().mkdir(parents=True, exist_ok=True)
        lock_path = self.path / LOCK_NAME
        fd = open_regular(lock_path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, root=self.path)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = _read_holder(fd)
                        raise WorkdirBusyError(
                            f"locked by another cipipe process{holder} for more than {timeout:g}s",
                            file=str(self.path),
                            expected="one cipipe at a time per work folder (CIPIPE_LOCK_TIMEOUT)",
                        ) from None
                    time.sleep(0.05)
            try:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError as exc:  # a full disk: say which file could not be written
                exc.filename = str(lock_path)
                raise
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0
        finally:
            os.close(fd)  # closing the descriptor releases the flock


def _lock_timeout_from_env() -> float:
    raw = os.environ.get("CIPIPE_LOCK_TIMEOUT")
    if raw is None:
        return DEFAULT_LOCK_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise InputError(
            f"got {raw!r}", field="CIPIPE_LOCK_TIMEOUT", expected="a number of seconds >= 0"
        )
    return value


def _read_holder(fd: int) -> str:
    # From the descriptor we locked: reopening the name could reach another file.
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
