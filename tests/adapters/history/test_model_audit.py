"""The audit log of model approvals: appends chain, tampering is caught, v3 databases migrate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, insert, inspect, select, text, update

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import GENESIS_HASH, DecisionRecord
from cipipe.adapters.history.chain import canonical_json
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.model_audit import append_model_event
from cipipe.adapters.history.schema import MIGRATIONS, SCHEMA_VERSION, current_version
from cipipe.adapters.history.schema import decisions as decisions_table
from cipipe.adapters.history.schema import model_approvals as approvals_table
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from tests.support.auditchains import (
    decision_count,
    model_event_count,
    model_row_hash,
    row_hash,
    verify_chain,
    verify_model_chain,
)
from tests.support.historydb import Backend, run_sql

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
STATES = ("candidate", "approved", "retired")


def _version(n: int) -> str:
    return f"m-20260301T1200{n:02d}Z-{n:08x}"


def _event(n: int) -> dict[str, object]:
    return {
        "version": _version(n),
        "state": STATES[n % 3],
        "by": "ana@example.com",
        "at": NOW + timedelta(minutes=n),
        "record": {"metrics": {"auc": 0.7 + n / 100}, "previous_approved": None, "n": "café ✓"},
    }


@pytest.fixture
def chain(store: SqlAlchemyHistoryStore) -> Iterator[list[str]]:
    """Five model approvals, ids 1 to 5, versions _version(1) to _version(5)."""
    yield [append_model_event(store, **_event(n)).hash for n in range(1, 6)]  # type: ignore[arg-type]


def test_appended_events_form_a_chain_apart_from_decisions(
    store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    stored = store.model_approvals()
    assert [s.hash for s in stored] == chain
    assert [s.prev_hash for s in stored] == [GENESIS_HASH, *chain[:-1]]
    assert [(s.version, s.state, s.by) for s in stored] == [
        (_version(n), STATES[n % 3], "ana@example.com") for n in range(1, 6)
    ]
    assert stored[0].at == NOW + timedelta(minutes=1)
    assert stored[0].record == _event(1)["record"]
    assert stored[0].as_json()["at"] == "2026-03-01T12:01:00.123456+00:00"
    assert [s.id for s in store.model_approvals(_version(2))] == [2]
    assert verify_model_chain(store) is None
    assert model_event_count(store) == 5
    # The decisions chain starts on its own: its first record follows the genesis hash.
    assert decision_count(store) == 0 and verify_chain(store) is None


def test_bad_events_are_refused(store: SqlAlchemyHistoryStore) -> None:
    with pytest.raises(HistoryError, match="state"):
        append_model_event(store, _version(1), "blessed", "ana", NOW, {})
    with pytest.raises(HistoryError, match="record"):
        append_model_event(store, _version(1), "approved", "ana", NOW, {"at": NOW})
    assert model_event_count(store) == 0


@pytest.mark.parametrize(
    "change",
    [
        "state = 'approved'",
        "version = 'm-20990101T000000Z-deadbeef'",
        "record = REPLACE(record, '0.73', '0.99')",
        "\"by\" = 'mallory'",
        "at = '2026-03-01 12:00:00'",
    ],
)
def test_an_edited_event_is_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str], change: str
) -> None:
    run_sql(backend, f"UPDATE model_approvals SET {change} WHERE id = 3")
    problem = verify_model_chain(store)
    assert problem is not None
    assert (problem.id, problem.kind) == (3, "changed")
    assert str(problem).startswith("model approval 3 (")


def test_a_rewritten_and_rehashed_event_breaks_the_next_link(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            row = conn.execute(select(approvals_table).where(approvals_table.c.id == 2)).one()
            values = {**row._asdict(), "state": "approved"}
            conn.execute(
                update(approvals_table)
                .where(approvals_table.c.id == 2)
                .values(state="approved", hash=model_row_hash(values))
            )
    finally:
        engine.dispose()
    problem = verify_model_chain(store)
    assert problem is not None
    assert (problem.id, problem.version, problem.kind) == (3, _version(3), "removed")


@pytest.mark.parametrize(("gone", "named"), [(1, 2), (3, 4)])
def test_a_removed_event_is_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str], gone: int, named: int
) -> None:
    run_sql(backend, f"DELETE FROM model_approvals WHERE id = {gone}")
    problem = verify_model_chain(store)
    assert problem is not None
    assert (problem.id, problem.version, problem.kind) == (named, _version(named), "removed")


def test_swapped_events_are_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    run_sql(
        backend,
        "UPDATE model_approvals SET id = 0 WHERE id = 2",
        "UPDATE model_approvals SET id = 2 WHERE id = 4",
        "UPDATE model_approvals SET id = 4 WHERE id = 0",
    )
    problem = verify_model_chain(store)
    assert problem is not None
    assert (problem.id, problem.version, problem.kind) == (2, _version(4), "reordered")
    assert "follows model approval 3" in problem.detail


def _insert_as_v3(conn: Connection, decision: DecisionRecord) -> str:
    """The first decision as cipipe wrote it at schema 3: no signature columns yet."""
    values: dict[str, object] = {
        "service": decision.service,
        "build_id": decision.build_id,
        "decided_at": decision.decided_at,
        "decided_by": decision.decided_by,
        "mode": decision.mode,
        "policy_version": decision.policy_version,
        "model_version": decision.model_version,
        "risk_score": decision.risk_score,
        "strategy": decision.strategy,
        "record": canonical_json(decision.document),
        "prev_hash": GENESIS_HASH,
    }
    values["hash"] = row_hash(values)
    conn.execute(insert(decisions_table).values(values))
    return str(values["hash"])


def test_v3_database_migrates_to_v4_and_keeps_its_decisions(
    backend: Backend, tmp_path: Path
) -> None:
    engine = create_engine(backend.raw_url)
    decision = DecisionRecord(
        service="gateway",
        build_id="100",
        decided_at=NOW,
        decided_by="jenkins",
        mode="shadow",
        policy_version="policy-7",
        model_version=_version(1),
        risk_score=0.4,
        strategy="canary",
        document={"score": 0.4},
    )
    try:
        with engine.begin() as conn:
            for _version_number, step in MIGRATIONS[:3]:
                step(conn)
            conn.execute(text("INSERT INTO schema_version (version) VALUES (3)"))
            first = _insert_as_v3(conn, decision)
        with engine.connect() as conn:
            assert current_version(conn) == 3
            assert not inspect(conn).has_table("model_approvals")
    finally:
        engine.dispose()
    with open_store(backend.url, default_path=tmp_path / "x.db") as store:
        (kept,) = store.decisions("gateway")
        assert (kept.hash, kept.decision) == (first, decision)
        append_model_event(store, _version(1), "approved", "ana", NOW, {"auc": 0.8})
        assert append_decision(store, decision).hash != first
        assert verify_chain(store) is None and verify_model_chain(store) is None
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            assert current_version(conn) == SCHEMA_VERSION
            MIGRATIONS[3][1](conn)  # idempotent: running v4 again over v4 changes nothing
            indexes = {i["name"] for i in inspect(conn).get_indexes("model_approvals")}
    finally:
        engine.dispose()
    assert {"ix_model_approvals_version", "ix_model_approvals_hash"} <= indexes
    with open_store(backend.url, default_path=tmp_path / "x.db") as store:
        assert model_event_count(store) == 1 and decision_count(store) == 2
