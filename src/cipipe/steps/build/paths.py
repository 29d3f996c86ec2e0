"""Placeholders in commands and globs, and the rule that no path leaves its folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cipipe import toolchains
from cipipe.errors import InputError

EXPECTED_BUILD_FOLDER = (
    "a folder inside the repository, not the repository itself, .git or the work folder"
)


def expand(text: str, *, source_dir: Path, build_dir: Path, platform: str, report: str = "") -> str:
    # str.replace, not str.format: a literal brace in a flag must survive untouched.
    # {cipipe_toolchains} is where this agent's cipipe keeps its CMake toolchain files: the
    # matrix names them without an install path, so it is the same on every agent.
    return (
        text.replace("{source_dir}", str(source_dir))
        .replace("{build_dir}", str(build_dir))
        .replace("{platform}", platform)
        .replace("{report}", report)
        .replace(toolchains.PLACEHOLDER, str(toolchains.FOLDER))
    )


def build_folder(repo: Path, relative: str, *, field: str, keep_out: Sequence[Path] = ()) -> Path:
    """The real location of the build folder ``relative`` (every link followed), which cipipe is
    about to empty and fill: it must lie strictly inside the repository, outside .git, and
    neither hold nor sit in a folder of ``keep_out`` (the work folder).

    A symlinked ``build/`` or a ``build_dir`` of ``..`` in matrix.json would otherwise have
    cipipe delete a folder anywhere on the agent. The commands get the resolved path too, so
    what was checked is what is used.
    """
    real_repo = Path(os.path.realpath(repo))
    real = Path(os.path.realpath(repo / relative))
    # Holding .git (whether or not it exists) also refuses the repository itself.
    guarded = [real_repo / ".git", *(Path(os.path.realpath(p)) for p in keep_out)]
    leaves = not real.is_relative_to(real_repo)
    if leaves or any(real.is_relative_to(g) or g.is_relative_to(real) for g in guarded):
        shown = repr(relative)
        if real != (repo / relative).absolute():
            shown += f" (resolves to {str(real)!r})"
        raise InputError(
            f"build folder {shown} is not allowed",
            file="matrix.json",
            field=field,
            expected=EXPECTED_BUILD_FOLDER,
        )
    return real
