"""Running an outside program: bounded in time, never through a shell, locale pinned."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 600.0


class ProgramNotFound(Exception):
    def __init__(self, program: str) -> None:
        super().__init__(f"{program}: not found on PATH")
        self.program = program


class ProgramTimedOut(Exception):
    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        super().__init__(f"{argv[0]}: still running after {timeout:g}s, stopped")
        self.timeout = timeout


@dataclass(frozen=True)
class ProgramResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def find_program(name: str) -> str | None:
    return shutil.which(name)


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
            list(argv),
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
    except subprocess.TimeoutExpired:
        raise ProgramTimedOut(argv, timeout) from None
    return ProgramResult(tuple(argv), completed.returncode, completed.stdout, completed.stderr)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
