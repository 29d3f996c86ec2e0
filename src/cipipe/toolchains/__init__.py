"""The CMake toolchain files cipipe ships for its built-in cross platforms.

matrix.json must be the same on every agent (its lock ids are compared), so it never holds
this package's install path: a toolchain file is named ``cipipe:<file>`` in the lock, with
the file's sha256, and build commands reach the folder through the ``{cipipe_toolchains}``
placeholder, which is expanded on the agent that runs them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
PREFIX = "cipipe:"
PLACEHOLDER = "{cipipe_toolchains}"


def shipped_files() -> list[Path]:
    return sorted(FOLDER.glob("*.cmake"))


def reference(file_name: str) -> str:
    """The lock's name for a shipped toolchain file: ``cipipe:aarch64-linux-gnu.cmake``."""
    return PREFIX + file_name


def is_builtin(reference_or_path: str) -> bool:
    return reference_or_path.startswith(PREFIX)


def shipped_path(ref: str) -> Path:
    """The installed file a ``cipipe:`` reference names (it may not exist: a newer lock)."""
    name = ref.removeprefix(PREFIX)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a shipped toolchain file name: {ref!r}")
    return FOLDER / name


def command_path(ref: str) -> str:
    """How a build command names the file: through the placeholder, expanded late."""
    return f"{PLACEHOLDER}/{shipped_path(ref).name}"


def sha256(ref: str) -> str | None:
    """The installed file's sha256, or None when this cipipe does not ship it."""
    path = shipped_path(ref)
    if not path.is_file():
        return None
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
