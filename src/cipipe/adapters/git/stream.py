"""git as a stream: one process, its output read as it comes, its errors as GitError.

The history readers parse a log of thousands of commits while git still writes it, and feed
``diff-tree --stdin`` and ``cat-file --batch`` from a thread: those answer line by line, so a
full pipe on either side would otherwise stop both processes for good.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cipipe.adapters.git.interface import GitError


def nul_tokens(out: IO[bytes]) -> Iterator[bytes]:
    """The NUL-terminated fields of a ``-z`` output, read 64 KiB at a time."""
    pending = b""
    while chunk := out.read(1 << 16):
        pending += chunk
        *done, pending = pending.split(b"\0")
        yield from done
    if pending:
        yield pending


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env |= {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    # Jenkins may export these for the shared library's checkout; they must not redirect us.
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "LANGUAGE"):
        env.pop(var, None)
    return env


@contextmanager
def stream(
    repo: Path,
    args: list[str],
    *,
    stdin: str | None = None,
    ok: tuple[int, ...] = (0,),
) -> Iterator[IO[bytes]]:
    """git's standard output as it comes; ``stdin`` is fed from a thread, since ``diff-tree``
    and ``cat-file`` answer line by line and a full pipe either way would deadlock."""
    if not repo.is_dir():
        raise GitError("folder not found", file=str(repo), expected="a git repository")
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                ["git", *args],
                cwd=repo,
                env=_env(),
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        except FileNotFoundError:
            raise GitError("git is not installed", expected="git on PATH") from None
        feeder = None
        if stdin is not None:
            feeder = threading.Thread(
                target=_feed,
                args=(proc.stdin, stdin.encode("utf-8", "surrogateescape")),
                daemon=True,
            )
            feeder.start()
        assert proc.stdout is not None
        finished = False
        try:
            yield proc.stdout
            finished = True
        finally:
            if not finished:
                proc.kill()
            proc.stdout.close()
            code = proc.wait()
            if feeder:
                feeder.join()
        if code not in ok:
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exited {code}"
            raise GitError(f"git {args[0]} failed: {detail}", file=str(repo))


def _feed(pipe: IO[bytes] | None, data: bytes) -> None:
    assert pipe is not None
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, OSError):
        pass  # git stopped reading; its exit code tells why
