"""Golden files for JSON outputs, as cyclonedx-python keeps them.

Regenerate with ``CIPIPE_UPDATE_SNAPSHOTS=1 make test`` and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).resolve().parent.parent / "_data" / "snapshots"
UPDATE_FLAG = "CIPIPE_UPDATE_SNAPSHOTS"


def assert_snapshot(name: str, data: Any) -> None:
    """Compare a JSON value (after the test normalised what a clock or machine decides)."""
    assert_snapshot_text(
        name, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def assert_snapshot_text(name: str, text: str) -> None:
    """Compare the exact bytes cipipe wrote."""
    path = SNAPSHOTS / name
    if os.environ.get(UPDATE_FLAG) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no snapshot {path}; create it with {UPDATE_FLAG}=1"
    expected = path.read_text()
    assert text == expected, f"{name} differs from its snapshot; regenerate with {UPDATE_FLAG}=1"
