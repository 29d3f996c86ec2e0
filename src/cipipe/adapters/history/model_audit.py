"""The audit trail of model approvals: which model version became candidate, approved or
retired, when, by whom, and with what evidence; hash-chained in the history store.

The registry keeps its own hash-chained ``approvals.jsonl`` beside the model files; this log
puts the same state changes in the database that holds the decisions they led to, under the
same tamper evidence (``chain.py``): editing, removing or reordering a stored record breaks
the chain at that record; with the audit key each record is signed, and every decision's
anchor in the artifact store holds this chain's head too (``verify.py``). decide-strategy
scores with a model only when this log approves it (``risk/model/history_audit.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row

from cipipe.adapters.history import chain as _chain
from cipipe.adapters.history.chain import (
    Break,
    Head,
    ProblemKind,
    Target,
    canonical_json,
    engine_of,
)
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import model_approvals as table

MODEL_STATES = ("candidate", "approved", "retired")
# Any fixed number other than the migration lock's and the decisions log's.
_PG_MODEL_LOCK = 0x6D6F646C


def _describe(row: Row[tuple[object, ...]]) -> str:
    return f"{row.version} {row.state}"


CHAIN = _chain.Chain(table, "at", "model approval", _PG_MODEL_LOCK, "model_approvals", _describe)


@dataclass(frozen=True)
class StoredModelEvent:
    """One state change of one model version, as the log holds it. ``at`` is aware, UTC."""

    id: int
    version: str
    state: str
    at: datetime
    by: str
    record: Mapping[str, Any] = field(compare=False)
    prev_hash: str
    hash: str
    key_id: str | None = None
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "state": self.state,
            "at": _chain.stamp("at", self.at),
            "by": self.by,
            "record": dict(self.record),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class ModelChainProblem:
    """The first model approval, in chain order, at which the log stops being what was
    written. Shaped like the decisions log's ``ChainProblem``: ``id``, ``kind``, ``detail``."""

    id: int
    version: str
    state: str
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"model approval {self.id} ({self.version} {self.state}): {self.detail}"


def append_model_event(
    target: Target,
    version: str,
    state: str,
    by: str,
    at: datetime,
    record: Mapping[str, object],
) -> Head:
    """Append one state change of ``version`` at the end of the chain (signed when the store
    has the audit key); return its place, hash and signature.
    ``record`` is the evidence (metrics, file hashes, the version it replaced) as JSON data."""
    if state not in MODEL_STATES:
        raise HistoryError(f"{state!r}", field="state", expected=" | ".join(MODEL_STATES))
    if not version:
        raise HistoryError("empty", field="version", expected="a model version")
    try:
        document = canonical_json(record)
    except (TypeError, ValueError) as exc:
        raise HistoryError(str(exc), field="record", expected="JSON data") from None
    values: dict[str, object] = {
        "version": version,
        "state": state,
        "at": at,
        "by": by,
        "record": document,
    }
    return _chain.append_row(target, CHAIN, values)


def verify_model_chain(target: Target) -> ModelChainProblem | None:
    """Walk the log in id order; None if every record is intact and in place."""
    found = _chain.first_break(target, CHAIN)
    return None if found is None else _problem(found)


def model_event_count(target: Target) -> int:
    return _chain.count_rows(target, CHAIN)


def model_events(target: Target, version: str | None = None) -> list[StoredModelEvent]:
    """Every state change in chain order, of one model version if given."""
    query = select(table).order_by(table.c.id)
    if version is not None:
        query = query.where(table.c.version == version)
    engine, url = engine_of(target)
    with database_errors(url, "list model approvals"), engine.begin() as conn:
        rows = conn.execute(query).all()
    return [_stored(row) for row in rows]


def model_row_hash(values: Mapping[str, object]) -> str:
    """The hash a model approval row with these fields must carry (for tests and tools)."""
    return _chain.row_hash(values, "at")


def _stored(row: Row[tuple[object, ...]]) -> StoredModelEvent:
    return StoredModelEvent(
        id=row.id,
        version=row.version,
        state=row.state,
        at=row.at,
        by=row.by,
        record=json.loads(row.record),
        prev_hash=row.prev_hash,
        hash=row.hash,
        key_id=row.key_id,
        signature=row.signature,
    )


def _problem(found: Break) -> ModelChainProblem:
    row = found.row
    return ModelChainProblem(
        int(row.id), str(row.version), str(row.state), found.kind, found.detail
    )
