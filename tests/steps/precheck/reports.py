"""What the precheck tests read back from the work folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def named(work: Path, name: str) -> dict[str, Any]:
    """The check called ``name`` in precheck.json."""
    report = json.loads((work / "precheck.json").read_text())
    return next(c for c in report["checks"] if c["name"] == name)
