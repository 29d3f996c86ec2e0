"""A compilation database (``compile_commands.json``, as CMake writes it): each file's entry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

COMPILE_DB = "compile_commands.json"


def compile_entries(folder: Path | None) -> dict[str, dict[str, Any]]:
    """Each file's entry in ``folder/compile_commands.json``, by the file's normalised absolute
    path; empty without a database or when it cannot be read (an entry without a file name is
    skipped)."""
    if folder is None:
        return {}
    try:
        entries = json.loads((folder / COMPILE_DB).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    by_file: dict[str, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            path = Path(entry.get("directory") or "/") / entry["file"]
            by_file[os.path.normpath(path)] = entry
    return by_file
