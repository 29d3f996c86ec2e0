"""Walking one chained log past the store's verification, naming the first broken record by its
database id, for the tamper tests; and the hash a row typed by hand must carry.

cipipe checks the logs with ``HistoryStore.verify_chains`` (signatures and anchors too, the
record named by its place in the chain); the tamper tests of the hash chain alone ask the same
per-record check (``chain.break_at``, over the same ``chain.walk``) and name the row as the
database holds it, which is what an insider who edited it would look for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cipipe.adapters.history import audit, chain, model_audit
from cipipe.adapters.history.audit_records import GENESIS_HASH, ProblemKind
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore


@dataclass(frozen=True)
class ChainProblem:
    """The first decision, in chain order, at which the log stops being what was written."""

    id: int
    service: str
    build_id: str
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"decision {self.id} (build {self.build_id} of {self.service}): {self.detail}"


@dataclass(frozen=True)
class ModelChainProblem:
    """The first model approval, in chain order, at which the log stops being what was written."""

    id: int
    version: str
    state: str
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"model approval {self.id} ({self.version} {self.state}): {self.detail}"


def first_break(store: SqlAlchemyHistoryStore, log: chain.Chain) -> chain.Break | None:
    """The first record of ``log`` that is not intact and in place, if any."""
    expected_prev = GENESIS_HASH
    with store.engine.begin() as conn:
        for seq, row in chain.walk(conn, log):
            found = chain.break_at(conn, log, seq, row, expected_prev)
            if found is not None:
                return found
            expected_prev = row.hash
    return None


def verify_chain(store: SqlAlchemyHistoryStore) -> ChainProblem | None:
    found = first_break(store, audit.CHAIN)
    if found is None:
        return None
    row = found.row
    return ChainProblem(int(row.id), str(row.service), str(row.build_id), found.kind, found.detail)


def verify_model_chain(store: SqlAlchemyHistoryStore) -> ModelChainProblem | None:
    found = first_break(store, model_audit.CHAIN)
    if found is None:
        return None
    row = found.row
    return ModelChainProblem(
        int(row.id), str(row.version), str(row.state), found.kind, found.detail
    )


def decision_count(store: SqlAlchemyHistoryStore) -> int:
    return len(store.decisions())


def model_event_count(store: SqlAlchemyHistoryStore) -> int:
    return len(store.model_approvals())


def row_hash(values: Mapping[str, object]) -> str:
    """The hash a decisions row with these fields must carry."""
    return chain.row_hash(values, "decided_at")


def model_row_hash(values: Mapping[str, object]) -> str:
    """The hash a model approvals row with these fields must carry."""
    return chain.row_hash(values, "at")
