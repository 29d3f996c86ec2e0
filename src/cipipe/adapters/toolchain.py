"""Which compiler is really installed, and which version it reports."""

from __future__ import annotations

from dataclasses import dataclass

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, find_program, run_program


@dataclass(frozen=True)
class Compiler:
    executable: str
    path: str
    version: str
    banner: str


def version_from_banner(banner: str) -> str:
    """The version a compiler's first ``--version`` line ends with.

    g++ (Debian 12.2.0-14+deb12u1) 12.2.0          -> 12.2.0
    x86_64-w64-mingw32-g++-posix (GCC) 12-posix    -> 12-posix
    Debian clang version 14.0.6                    -> 14.0.6
    """
    words = banner.split()
    return words[-1] if words else ""


def probe_compiler(executable: str) -> Compiler | None:
    """None when the compiler is not installed."""
    path = find_program(executable)
    if path is None:
        return None
    try:
        result = run_program([path, "--version"], timeout=60)
    except (ProgramNotFound, ProgramTimedOut):
        return None
    banner = next((line for line in result.stdout.splitlines() if line.strip()), "")
    return Compiler(executable, path, version_from_banner(banner), banner.strip())
