"""The registry's approval log: approvals.jsonl, one state change a line, hash-chained.

Each line is canonical JSON holding ``prev``, the sha256 of the previous line's text (64 zeros
for the first), and ``hash``, the sha256 of its own canonical JSON without ``hash``; so editing
(without recomputing), dropping or reordering a line breaks the chain, and ``model list`` says
where. ``model promote --db`` also records each promotion in the history store's hash-chained
``model_approvals`` table (``risk/model/history_audit.py``), which decide-strategy checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cipipe.fileio import atomic_write_text
from cipipe.risk.model.snapshot import canonical_json

GENESIS = "0" * 64
LOG_NAME = "approvals.jsonl"


@dataclass(frozen=True)
class Approval:
    seq: int
    version: str
    state: str  # candidate | approved | retired
    by: str
    at: str
    prev: str


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sha(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def append_approval(root: Path, *, version: str, state: str, by: str, at: str) -> Approval:
    path = root / LOG_NAME
    lines = _lines(path)
    entry = Approval(len(lines) + 1, version, state, by, at, _sha(lines[-1]) if lines else GENESIS)
    record: dict[str, Any] = {
        k: getattr(entry, k) for k in ("seq", "version", "state", "by", "at", "prev")
    }
    record["hash"] = _sha(canonical_json(record))
    atomic_write_text(path, "".join(f"{line}\n" for line in [*lines, canonical_json(record)]))
    return entry


def verify_approvals(root: Path) -> str | None:
    """None when the chain is whole; else the first problem, naming the line."""
    previous = GENESIS
    for number, line in enumerate(_lines(root / LOG_NAME), start=1):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return f"{LOG_NAME} line {number}: not JSON"
        if not isinstance(data, dict) or data.get("prev") != previous:
            return f"{LOG_NAME} line {number}: does not chain to the line before (edited?)"
        own = {k: v for k, v in data.items() if k != "hash"}
        if data.get("hash") != _sha(canonical_json(own)):
            return f"{LOG_NAME} line {number}: its hash does not match its content (edited?)"
        if data.get("seq") != number:
            return f"{LOG_NAME} line {number}: sequence {data.get('seq')!r} (lines dropped?)"
        if line != canonical_json(data):
            return f"{LOG_NAME} line {number}: not in canonical form (edited?)"
        previous = _sha(line)
    return None
