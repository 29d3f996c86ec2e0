"""The audit trail of risk decisions: an append-only log in the history database, hash-chained.

Every record stores what decided (policy and model versions, the risk inputs and score in the
decision document), what was decided (strategy and pace), who or what asked and when. Each
row's ``hash`` is ``sha256(prev_hash + canonical JSON of the row's other fields)`` and its
``prev_hash`` is the hash of the record before it (64 zeros for the first), so editing,
removing or reordering a stored record breaks the chain at that record.

The database ``id`` is the chain's order but is not hashed: the order is already bound by the
``prev_hash`` links, and leaving the id out lets a walk of the chain tell a reordered record (its
hash is intact, it just sits in the wrong place) from a changed one (``chain.break_at``).

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
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Row

from cipipe.adapters.history import chain as _chain
from cipipe.adapters.history.audit_records import (
    DECISION_MODES,
    DecisionMode,
    DecisionRecord,
    Head,
    StoredDecision,
    utc,
)
from cipipe.adapters.history.chain import SqlStore, canonical_json
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import decisions as table

# Any fixed number other than the migration lock's: appends queue behind each other.
_PG_AUDIT_LOCK = 0x61756469


def _describe(row: Row[tuple[object, ...]]) -> str:
    return f"build {row.build_id} of {row.service}"


CHAIN = _chain.Chain(table, "decided_at", "decision", _PG_AUDIT_LOCK, "decisions", _describe)


def append_decision(store: SqlStore, record: DecisionRecord) -> Head:
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
    return _chain.append_row(store, CHAIN, values)


def all_decisions(
    store: SqlStore,
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
        query = query.where(table.c.decided_at >= utc(since))
    with database_errors(store.database_url, "list decisions"), store.engine.begin() as conn:
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
