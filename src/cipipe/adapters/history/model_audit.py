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
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Row

from cipipe.adapters.history import chain as _chain
from cipipe.adapters.history.audit_records import MODEL_STATES, Head, StoredModelEvent
from cipipe.adapters.history.chain import SqlStore, canonical_json
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import model_approvals as table

# Any fixed number other than the migration lock's and the decisions log's.
_PG_MODEL_LOCK = 0x6D6F646C


def _describe(row: Row[tuple[object, ...]]) -> str:
    return f"{row.version} {row.state}"


CHAIN = _chain.Chain(table, "at", "model approval", _PG_MODEL_LOCK, "model_approvals", _describe)


def append_model_event(
    store: SqlStore,
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
    return _chain.append_row(store, CHAIN, values)


def model_events(store: SqlStore, version: str | None = None) -> list[StoredModelEvent]:
    """Every state change in chain order, of one model version if given."""
    query = select(table).order_by(table.c.id)
    if version is not None:
        query = query.where(table.c.version == version)
    url = store.database_url
    with database_errors(url, "list model approvals"), store.engine.begin() as conn:
        rows = conn.execute(query).all()
    return [_stored(row) for row in rows]


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
