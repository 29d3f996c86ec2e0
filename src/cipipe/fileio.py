"""Writing files: atomically, and never through a symbolic link.

A reader sees the old file or the new one, never half of one: the bytes go to a temp file in
the same folder, are fsynced, and the temp file is renamed over the target.

A write below a ``root`` (the work folder) walks from the root one folder at a time with
``O_NOFOLLOW`` and works relative to the folder's descriptor, so a link planted in the work
folder (at the file's name, or in place of one of its folders such as ``reports/``) is
refused with exit 2 rather than followed to a file outside. Without a ``root`` only the
target's own name is guarded: its folder is the caller's to choose.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cipipe.errors import InputError, LinkRefusedError

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NO_LINKS = "a real file or folder: cipipe does not read or write through a link here"
_COPY_CHUNK = 1 << 20


def link_refused(path: Path) -> LinkRefusedError:
    return LinkRefusedError("is a symbolic link", file=str(path), expected=_NO_LINKS)


def _relative_parts(path: Path, root: Path) -> tuple[str, ...]:
    # absolute, not resolve: resolving would follow the very links this module refuses.
    relative = path.absolute().relative_to(root.absolute())
    if ".." in relative.parts:
        raise ValueError(f"{path} climbs out of {root}")
    return relative.parts


def _enter(parent_fd: int, name: str, shown: Path, create: bool) -> int:
    """The descriptor of folder ``name`` in ``parent_fd`` (made when missing and ``create``)."""
    try:
        return _open_folder_at(parent_fd, name, shown)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):  # another process made it meanwhile
        os.mkdir(name, 0o777, dir_fd=parent_fd)
    return _open_folder_at(parent_fd, name, shown)


def _open_folder_at(parent_fd: int, name: str, shown: Path) -> int:
    try:
        return os.open(name, _FOLDER_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # O_NOFOLLOW met a link, or a file
            raise _not_a_folder(parent_fd, name, shown) from None
        raise


def _not_a_folder(parent_fd: int, name: str, shown: Path) -> InputError:
    if stat.S_ISLNK(os.lstat(name, dir_fd=parent_fd).st_mode):
        return link_refused(shown)
    return InputError("is not a folder", file=str(shown), expected="a folder")


def open_folder(folder: Path, *, root: Path, create: bool = False) -> int:
    """A descriptor of ``folder``, reached from ``root`` without following any link below it.

    Missing folders are made when ``create``; a link or a file in the way is an InputError.
    The root itself is opened as given: it is the caller's trusted starting point.
    """
    parts = _relative_parts(folder, root)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    shown = root
    try:
        for part in parts:
            shown = shown / part
            child = _enter(fd, part, shown, create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def _folder_of(path: Path, root: Path | None, *, create: bool) -> Iterator[int]:
    root = path.parent if root is None else root
    if create:
        root.mkdir(parents=True, exist_ok=True)  # the caller's folder, reached as given
    fd = open_folder(path.parent, root=root, create=create)
    try:
        yield fd
    finally:
        os.close(fd)


def _refuse_link_at(folder_fd: int, path: Path) -> os.stat_result | None:
    """What is at ``path`` now (None: nothing); a link there is refused."""
    try:
        info = os.lstat(path.name, dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise link_refused(path)
    return info


def check_folders(folders: Iterable[Path], *, root: Path) -> None:
    """Refuse a link in place of a folder a step is going to write into, before it starts:
    a refusal then leaves nothing half-written. Missing folders are fine (made later)."""
    for folder in folders:
        try:
            os.close(open_folder(folder, root=root))
        except FileNotFoundError:
            continue


def fresh_output(path: Path, *, root: Path) -> Path:
    """Prepare ``path`` for a program that writes it (a log, a test or coverage report): its
    folders made and a stale copy deleted, all without following a link. A link at the name
    is refused, not deleted, so it and its target stay for someone to look at."""
    with _folder_of(path, root, create=True) as folder_fd:
        existing = _refuse_link_at(folder_fd, path)
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise InputError("is a folder", file=str(path), expected="a file")
        if existing is not None:
            os.unlink(path.name, dir_fd=folder_fd)
    return path


def open_append(path: Path, *, root: Path | None = None) -> BinaryIO:
    """``path`` opened for appending (made if missing), never through a link."""
    with _folder_of(path, root, create=True) as folder_fd:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(path.name, flags, 0o644, dir_fd=folder_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise link_refused(path) from None
            raise
    return os.fdopen(fd, "ab")


def open_regular(path: Path, flags: int, *, root: Path | None = None, mode: int = 0o644) -> int:
    """A descriptor of the regular file ``path`` (``flags`` as for os.open), never through a
    link; a folder, FIFO or device there is an InputError."""
    with _folder_of(path, root, create=bool(flags & os.O_CREAT)) as folder_fd:
        try:
            fd = os.open(path.name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=folder_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise link_refused(path) from None
            if exc.errno == errno.EISDIR:
                raise InputError("is a folder", file=str(path), expected="a file") from None
            raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("is not a regular file", file=str(path), expected="a file")
    return fd


def read_unfollowed(path: Path, *, limit: int, root: Path | None = None) -> bytes:
    """The bytes of the regular file ``path``, never read through a link, at most ``limit``
    of them (more is an InputError). ``contracts.loading.read_bytes`` is the reader for
    inputs that may be links; this one is for files cipipe hands on, which must not be."""
    with os.fdopen(open_regular(path, os.O_RDONLY | os.O_NONBLOCK, root=root), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError("file is too big", file=str(path), expected=f"at most {limit} bytes")
    return data


@contextlib.contextmanager
def _replacing(path: Path, root: Path | None) -> Iterator[tuple[int, str]]:
    """A new, empty temp file beside ``path`` (its folder's descriptor and the temp's name),
    fsynced and renamed over ``path`` when the block ends, deleted when the block fails."""
    with _folder_of(path, root, create=True) as folder_fd:
        existing = _refuse_link_at(folder_fd, path)
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise InputError("is a folder", file=str(path), expected="a file")
        tmp = f".{path.name}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        os.close(os.open(tmp, flags, 0o600, dir_fd=folder_fd))
        try:
            yield folder_fd, tmp
            fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder_fd)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            # rename replaces the name itself: even a link planted since the check above is
            # replaced, never written through.
            os.rename(tmp, path.name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=folder_fd)
            if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
                exc.filename = str(path)  # write() names no file; "disk full writing ..." should
            raise
        # The rename is durable only once the directory entry is on disk.
        with contextlib.suppress(OSError):
            os.fsync(folder_fd)


def _atomically(path: Path, fill: Callable[[Path], None], root: Path | None = None) -> None:
    """Have ``fill`` write the temp file by its path (for writers that need a file name)."""
    with _replacing(path, root) as (_, tmp):
        fill(path.parent / tmp)


def atomic_write_stream(
    path: Path, fill: Callable[[BinaryIO], None], *, root: Path | None = None
) -> None:
    """Have ``fill`` write the temp file through a handle opened without following a link."""
    with _replacing(path, root) as (folder_fd, tmp):
        flags = os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        with os.fdopen(os.open(tmp, flags, dir_fd=folder_fd), "wb") as handle:
            fill(handle)


def atomic_write_bytes(path: Path, data: bytes, *, root: Path | None = None) -> None:
    def fill(handle: BinaryIO) -> None:
        handle.write(data)

    atomic_write_stream(path, fill, root=root)


def atomic_write_text(path: Path, text: str, *, root: Path | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), root=root)


def atomic_copy(
    source: Path, target: Path, *, root: Path | None = None, source_root: Path | None = None
) -> None:
    """Copy a file with its mode bits, so ``target`` is never seen half-written.

    With ``source_root`` the source too is opened without following a link below it (a
    file from another agent's work folder); else it is copied as named (a built file)."""
    if source_root is not None:
        _copy_unfollowed(source, target, root=root, source_root=source_root)
        return

    def fill(tmp: Path) -> None:
        shutil.copyfile(source, tmp)
        shutil.copymode(source, tmp)

    _atomically(target, fill, root)


def _copy_unfollowed(source: Path, target: Path, *, root: Path | None, source_root: Path) -> None:
    with os.fdopen(
        open_regular(source, os.O_RDONLY | os.O_NONBLOCK, root=source_root), "rb"
    ) as reader:
        mode = stat.S_IMODE(os.fstat(reader.fileno()).st_mode)

        def fill(handle: BinaryIO) -> None:
            shutil.copyfileobj(reader, handle, _COPY_CHUNK)
            os.fchmod(handle.fileno(), mode)

        atomic_write_stream(target, fill, root=root)
