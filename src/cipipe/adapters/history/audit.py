"""The audit trail of risk decisions: an append-only log in the history database, hash-chained.

Every record stores what decided (policy and model versions, the risk inputs and score in the
decision document), what was decided (strategy and pace), who or what asked and when. Each
row's ``hash`` is ``sha256(prev_hash + canonical JSON of the row's other fields)`` and its
``prev_hash`` is the hash of the record before it (64 zeros for the first), so editing,
removing or reordering a stored record breaks the chain at that record.

The database ``id`` is the chain's order but is not hashed: the order is already bound by the
``prev_hash`` links, and leaving the id out lets ``verify_chain`` tell a reordered record (its
hash is intact, it just sits in the wrong place) from a changed one.

Appends are serialised the way migrations are: SQLite's ``BEGIN IMMEDIATE`` (taken by every
transaction of an engine from ``create_history_engine``) and a PostgreSQL advisory lock. A
unique ``prev_hash`` backs both up: two records can never follow the same one. The chain code
itself is shared with the model approvals log (``chain.py``, ``model_audit.py``).

Each record is also signed with the audit key when one is set (``signing.py``), and after
each decision the heads of every chain are anchored beside the candidate in the artifact store
(``steps/audit``): the chain alone cannot show that its newest records were removed, or that
it was recomputed from some record on; the signatures and the anchors can (``verify.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.engine import Row

from cipipe.adapters.history import chain as _chain
from cipipe.adapters.history.chain import (
    GENESIS_HASH,
    Break,
    Head,
    ProblemKind,
    Target,
    canonical_json,
    count_rows,
    engine_of,
    first_break,
)
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import decisions as table

__all__ = [
    "DECISION_MODES",
    "GENESIS_HASH",
    "ChainProblem",
    "DecisionMode",
    "DecisionRecord",
    "Head",
    "ProblemKind",
    "StoredDecision",
    "Target",
    "all_decisions",
    "append_decision",
    "canonical_json",
    "decision_count",
    "decisions",
    "row_hash",
    "verify_chain",
]

DecisionMode = Literal["shadow", "enforce"]
DECISION_MODES: tuple[str, ...] = get_args(DecisionMode)
# Any fixed number other than the migration lock's: appends queue behind each other.
_PG_AUDIT_LOCK = 0x61756469


def _describe(row: Row[tuple[object, ...]]) -> str:
    return f"build {row.build_id} of {row.service}"


CHAIN = _chain.Chain(table, "decided_at", "decision", _PG_AUDIT_LOCK, "decisions", _describe)


@dataclass(frozen=True)
class DecisionRecord:
    """One risk decision. ``decided_at`` is timezone-aware (naive values are read as UTC);
    ``document`` is the whole decision (risk inputs, score, strategy, pace) as JSON data."""

    service: str
    build_id: str
    decided_at: datetime
    decided_by: str
    mode: DecisionMode
    policy_version: str
    model_version: str | None
    risk_score: float
    strategy: str
    document: Mapping[str, object] = field(compare=False)


@dataclass(frozen=True)
class StoredDecision:
    """A decision as the log holds it: its place in the chain and the hashes linking it."""

    id: int
    decision: DecisionRecord
    prev_hash: str
    hash: str
    key_id: str | None = None
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        d = self.decision
        return {
            "id": self.id,
            "service": d.service,
            "build_id": d.build_id,
            "decided_at": _chain.stamp("decided_at", d.decided_at),
            "decided_by": d.decided_by,
            "mode": d.mode,
            "policy_version": d.policy_version,
            "model_version": d.model_version,
            "risk_score": d.risk_score,
            "strategy": d.strategy,
            "decision": dict(d.document),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class ChainProblem:
    """The first record, in chain order, at which the log stops being what was written."""

    id: int
    service: str
    build_id: str
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"decision {self.id} (build {self.build_id} of {self.service}): {self.detail}"


def append_decision(target: Target, record: DecisionRecord) -> Head:
    """Append ``record`` at the end of the chain, signed when the store has the audit key;
    return its place, hash and signature."""
    if record.mode not in DECISION_MODES:
        raise HistoryError(f"{record.mode!r}", field="mode", expected=" | ".join(DECISION_MODES))
    if not math.isfinite(record.risk_score):
        raise HistoryError(f"{record.risk_score!r}", field="risk_score", expected="a number")
    try:
        document = canonical_json(record.document)
    except (TypeError, ValueError) as exc:
        raise HistoryError(str(exc), field="document", expected="JSON data") from None
    values: dict[str, object] = {
        "service": record.service,
        "build_id": record.build_id,
        "decided_at": record.decided_at,
        "decided_by": record.decided_by,
        "mode": record.mode,
        "policy_version": record.policy_version,
        "model_version": record.model_version,
        "risk_score": float(record.risk_score),
        "strategy": record.strategy,
        "record": document,
    }
    return _chain.append_row(target, CHAIN, values)


def verify_chain(target: Target) -> ChainProblem | None:
    """Walk the log in id order; None if every record is intact and in place."""
    found = first_break(target, CHAIN)
    return None if found is None else _problem(found)


def decision_count(target: Target) -> int:
    return count_rows(target, CHAIN)


def decisions(
    target: Target, service: str | None, build_id: str | None = None
) -> list[StoredDecision]:
    """The decisions of ``service`` (None: every service), of one build if given, in order."""
    return all_decisions(target, service, build_id=build_id)


def all_decisions(
    target: Target,
    service: str | None = None,
    mode: DecisionMode | None = None,
    since: datetime | None = None,
    *,
    build_id: str | None = None,
) -> list[StoredDecision]:
    """Every decision, in chain order, of ``service``, ``mode`` and ``build_id`` if given (None:
    all), decided at or after ``since`` if given (naive: UTC)."""
    query = select(table).order_by(table.c.id)
    if service is not None:
        query = query.where(table.c.service == service)
    if build_id is not None:
        query = query.where(table.c.build_id == build_id)
    if mode is not None:
        query = query.where(table.c.mode == mode)
    if since is not None:
        query = query.where(table.c.decided_at >= _chain.utc(since))
    engine, url = engine_of(target)
    with database_errors(url, "list decisions"), engine.begin() as conn:
        rows = conn.execute(query).all()
    return [_stored(row) for row in rows]


def _stored(row: Row[tuple[object, ...]]) -> StoredDecision:
    return StoredDecision(
        id=row.id,
        decision=DecisionRecord(
            service=row.service,
            build_id=row.build_id,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
            mode=row.mode,
            policy_version=row.policy_version,
            model_version=row.model_version,
            risk_score=row.risk_score,
            strategy=row.strategy,
            document=json.loads(row.record),
        ),
        prev_hash=row.prev_hash,
        hash=row.hash,
        key_id=row.key_id,
        signature=row.signature,
    )


def row_hash(values: Mapping[str, object]) -> str:
    """sha256 of prev_hash followed by the canonical JSON of every field but ``id``/``hash``."""
    return _chain.row_hash(values, "decided_at")


def _problem(found: Break) -> ChainProblem:
    row = found.row
    return ChainProblem(int(row.id), str(row.service), str(row.build_id), found.kind, found.detail)
