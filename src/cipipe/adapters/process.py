"""Running an outside program: bounded in time, never through a shell, locale pinned."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cipipe.fileio import open_append

DEFAULT_TIMEOUT_SECONDS = 600.0

# The type of ``run_logged`` (build, test and configure commands whose output goes to a log);
# the steps take one so that their tests can record the commands instead of running them.
LoggedRunner = Callable[..., int]


class ProgramNotFound(Exception):
    def __init__(self, program: str) -> None:
        super().__init__(f"{program}: not found on PATH")
        self.program = program


class ProgramTimedOut(Exception):
    """``stdout`` and ``stderr``: what the program printed before it was stopped (captured
    runs only), so a caller can keep the findings a slow tool reported in time."""

    def __init__(
        self, argv: Sequence[str], timeout: float, stdout: str = "", stderr: str = ""
    ) -> None:
        super().__init__(f"{argv[0]}: still running after {timeout:g}s, stopped")
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr


def _text(output: bytes | str | None) -> str:
    # subprocess hands over bytes on a timeout even for a text-mode run.
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


@dataclass(frozen=True)
class ProgramResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def find_program(name: str) -> str | None:
    """PATH first, then the folder of the running Python: tools cipipe depends on (gcovr)
    are installed there by pip even when that virtualenv is not on PATH."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def _resolved(argv: Sequence[str]) -> list[str]:
    program = argv[0]
    if os.sep not in program and (found := find_program(program)):
        program = found
    return [program, *argv[1:]]


class ProgramRunner(Protocol):
    """What a caller of ``run_program`` needs of it (the jf store takes one, tests a fake)."""

    def __call__(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = ..., timeout: float = ...
    ) -> ProgramResult: ...


def run_program(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    stdin_text: str | None = None,
) -> ProgramResult:
    """Run ``argv``; raise ProgramNotFound or ProgramTimedOut, never a bare OSError."""
    full_env = dict(os.environ if env is None else env)
    # Tools must speak the language our parsers read.
    full_env["LC_ALL"] = "C"
    full_env.pop("LANGUAGE", None)
    try:
        completed = subprocess.run(
            _resolved(argv),
            cwd=cwd,
            env=full_env,
            input=stdin_text,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ProgramNotFound(argv[0]) from None
    except subprocess.TimeoutExpired as exc:
        raise ProgramTimedOut(argv, timeout, _text(exc.stdout), _text(exc.stderr)) from None
    return ProgramResult(tuple(argv), completed.returncode, completed.stdout, completed.stderr)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_logged(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    timeout: float,
    umask: int = 0o022,
) -> int:
    """Run ``argv`` with its output appended to ``log_path``; return the exit code.

    Build and test output can be large, so it goes to a file, never into memory. The umask is
    fixed because file modes end up inside archives and images.
    """
    # Never appended through a link: a log planted as one would send build output elsewhere.
    with open_append(log_path) as log:
        log.write(("$ " + " ".join(argv) + "\n").encode())
        log.flush()
        try:
            completed = subprocess.run(
                _resolved(argv),
                cwd=cwd,
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                umask=umask,
                check=False,
            )
        except FileNotFoundError:
            raise ProgramNotFound(argv[0]) from None
        except subprocess.TimeoutExpired:
            raise ProgramTimedOut(argv, timeout) from None
    return completed.returncode
