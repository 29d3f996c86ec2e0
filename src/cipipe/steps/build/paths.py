"""Placeholders in commands and globs, and the rule that no path leaves its folder."""

from __future__ import annotations

import os
from pathlib import Path


def expand(text: str, *, source_dir: Path, build_dir: Path, platform: str, report: str = "") -> str:
    # str.replace, not str.format: a literal brace in a flag must survive untouched.
    return (
        text.replace("{source_dir}", str(source_dir))
        .replace("{build_dir}", str(build_dir))
        .replace("{platform}", platform)
        .replace("{report}", report)
    )


def inside(path: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == Path(os.path.realpath(folder)) or real.is_relative_to(os.path.realpath(folder))
