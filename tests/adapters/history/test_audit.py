"""The audit log of risk decisions: appends chain, tampering is caught, old databases migrate."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, select, text, update

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import GENESIS_HASH, DecisionRecord
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import MIGRATIONS, SCHEMA_VERSION, current_version
from cipipe.adapters.history.schema import decisions as decisions_table
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from cipipe.cli.app import CliState
from cipipe.cli.commands.audit import command as audit_command
from tests.support.auditchains import decision_count, row_hash, verify_chain
from tests.support.historydb import Backend, build_outcomes, run_sql

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _decision(n: int, *, service: str = "gateway", build_id: str | None = None) -> DecisionRecord:
    return DecisionRecord(
        service=service,
        build_id=build_id or str(100 + n),
        decided_at=NOW + timedelta(minutes=n),
        decided_by="jenkins:gateway/main",
        mode="enforce" if n % 2 else "shadow",
        policy_version="policy-7",
        model_version=None if n % 3 == 0 else "model-2026.02",
        risk_score=0.1 + n / 1000,
        strategy="canary",
        document={
            "inputs": {"files_changed": n, "failure_rate": 0.25, "author": "ana@example.com"},
            "score": 0.1 + n / 1000,
            "strategy": "canary",
            "pace": {"steps": [5, 25, 100], "wait_minutes": 10},
            "note": "café ✓",
        },
    )


@pytest.fixture
def chain(store: SqlAlchemyHistoryStore) -> Iterator[list[str]]:
    """Five decisions, ids 1 to 5, builds 101 to 105."""
    yield [append_decision(store, _decision(n)).hash for n in range(1, 6)]


def test_appended_decisions_form_a_chain(store: SqlAlchemyHistoryStore) -> None:
    assert verify_chain(store) is None
    heads = [append_decision(store, _decision(n)) for n in range(1, 4)]
    hashes = [h.hash for h in heads]
    assert [(h.seq, h.key_id, h.signature) for h in heads] == [(n, None, None) for n in (1, 2, 3)]
    stored = store.decisions("gateway")
    assert [s.hash for s in stored] == hashes
    assert [s.prev_hash for s in stored] == [GENESIS_HASH, *hashes[:2]]
    assert [s.decision for s in stored] == [_decision(n) for n in range(1, 4)]
    assert stored[0].decision.document == _decision(1).document
    assert stored[0].decision.decided_at == NOW + timedelta(minutes=1)
    assert verify_chain(store) is None
    assert decision_count(store) == 3


def test_decisions_filter_by_service_and_build(store: SqlAlchemyHistoryStore) -> None:
    append_decision(store, _decision(1, build_id="7"))
    append_decision(store, _decision(2, service="billing", build_id="7"))
    append_decision(store, _decision(3, build_id="7"))
    append_decision(store, _decision(4, build_id="8"))
    assert [s.id for s in store.decisions("gateway", build_id="7")] == [1, 3]
    assert [s.id for s in store.decisions(None, build_id="7")] == [1, 2, 3]
    assert store.decisions("gateway", build_id="nope") == []


def test_bad_records_are_refused(store: SqlAlchemyHistoryStore) -> None:
    with pytest.raises(HistoryError, match="mode"):
        append_decision(store, replace(_decision(1), mode="yolo"))  # type: ignore[arg-type]
    with pytest.raises(HistoryError, match="risk_score"):
        append_decision(store, replace(_decision(1), risk_score=float("nan")))
    with pytest.raises(HistoryError, match="document"):
        append_decision(store, replace(_decision(1), document={"at": NOW}))
    assert decision_count(store) == 0


@pytest.mark.parametrize(
    "change",
    [
        "risk_score = 0.99",
        "strategy = 'big-bang'",
        "record = REPLACE(record, 'canary', 'big-bang')",
        "decided_by = 'someone-else'",
        "model_version = 'model-x'",
    ],
)
def test_an_edited_record_is_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str], change: str
) -> None:
    run_sql(backend, f"UPDATE decisions SET {change} WHERE id = 3")
    problem = verify_chain(store)
    assert problem is not None
    assert (problem.id, problem.build_id, problem.kind) == (3, "103", "changed")


def test_an_edited_time_is_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    run_sql(backend, "UPDATE decisions SET decided_at = '2026-03-01 12:00:00' WHERE id = 2")
    problem = verify_chain(store)
    assert problem is not None
    assert (problem.id, problem.kind) == (2, "changed")


def test_a_rewritten_and_rehashed_record_breaks_the_next_link(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    """Someone who edits a record and recomputes its hash is caught at the record after it."""
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            row = conn.execute(select(decisions_table).where(decisions_table.c.id == 2)).one()
            values = {**row._asdict(), "strategy": "big-bang"}
            conn.execute(
                update(decisions_table)
                .where(decisions_table.c.id == 2)
                .values(strategy="big-bang", hash=row_hash(values))
            )
    finally:
        engine.dispose()
    problem = verify_chain(store)
    assert problem is not None
    assert (problem.id, problem.build_id, problem.kind) == (3, "103", "removed")
    assert "rewritten" in problem.detail


@pytest.mark.parametrize(("gone", "named"), [(1, 2), (3, 4)])
def test_a_removed_record_is_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str], gone: int, named: int
) -> None:
    run_sql(backend, f"DELETE FROM decisions WHERE id = {gone}")
    problem = verify_chain(store)
    assert problem is not None
    assert (problem.id, problem.build_id, problem.kind) == (named, str(100 + named), "removed")


def test_swapped_records_are_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    run_sql(
        backend,
        "UPDATE decisions SET id = 0 WHERE id = 2",
        "UPDATE decisions SET id = 2 WHERE id = 4",
        "UPDATE decisions SET id = 4 WHERE id = 0",
    )
    problem = verify_chain(store)
    assert problem is not None
    # Id 2 now holds build 104, which follows build 103 (id 3), stored after it.
    assert (problem.id, problem.build_id, problem.kind) == (2, "104", "reordered")
    assert "follows decision 3" in problem.detail


def test_swapped_contents_are_named(
    backend: Backend, store: SqlAlchemyHistoryStore, chain: list[str]
) -> None:
    """Swapping everything but the ids, adjacent records: the earlier place is named."""
    columns = (
        "service, build_id, decided_at, decided_by, mode, policy_version, model_version, "
        "risk_score, strategy, record, prev_hash, hash"
    )
    run_sql(
        backend,
        f"CREATE TABLE saved AS SELECT id, {columns} FROM decisions WHERE id IN (3, 4)",
        "DELETE FROM decisions WHERE id IN (3, 4)",
        f"INSERT INTO decisions (id, {columns}) SELECT 7 - id, {columns} FROM saved",
        "DROP TABLE saved",
    )
    problem = verify_chain(store)
    assert problem is not None
    assert (problem.id, problem.build_id, problem.kind) == (3, "104", "reordered")


def test_concurrent_appends_keep_one_chain(backend: Backend, tmp_path: Path) -> None:
    per_writer = 15
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            with open_store(backend.url, default_path=tmp_path / "unused.db") as own:
                for n in range(per_writer):
                    append_decision(own, _decision(n, build_id=f"w{writer}-{n}"))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(backend.url, default_path=tmp_path / "unused.db") as store:
        assert verify_chain(store) is None
        stored = store.decisions("gateway")
    assert len(stored) == 2 * per_writer
    assert [s.prev_hash for s in stored] == [GENESIS_HASH] + [s.hash for s in stored[:-1]]


def test_v2_database_migrates_to_v3_and_keeps_its_data(backend: Backend, tmp_path: Path) -> None:
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            for _version, step in MIGRATIONS[:2]:
                step(conn)
            conn.execute(text("INSERT INTO schema_version (version) VALUES (2)"))
        with engine.connect() as conn:
            assert current_version(conn) == 2
            assert not inspect(conn).has_table("decisions")
    finally:
        engine.dispose()
    run_sql(
        backend,
        """INSERT INTO builds (service, build_id, "commit", started_at, result, risk_inputs)
            VALUES ('gateway', '100', 'abc', '2026-02-27 10:00:00', 'success', '{"n": 1}')""",
        "INSERT INTO build_modules (build_pk, module) SELECT id, 'net' FROM builds",
        """INSERT INTO outcomes (build_pk, result, at, note)
            SELECT id, 'rollback', '2026-02-28 10:00:00', 'bad' FROM builds""",
    )
    with open_store(backend.url, default_path=tmp_path / "x.db") as store:
        (old,) = store.builds("gateway")
        assert (old.build_id, old.commit, old.modules, old.risk_inputs) == (
            "100",
            "abc",
            ("net",),
            {"n": 1},
        )
        assert [o.result for o in build_outcomes(store, "gateway", "100")] == ["rollback"]
        store.record_build(replace(old, build_id="101", started_at=NOW))
        append_decision(store, _decision(1, build_id="101"))
        assert verify_chain(store) is None
    engine = create_engine(backend.raw_url)
    try:
        with engine.connect() as conn:
            assert current_version(conn) == SCHEMA_VERSION
    finally:
        engine.dispose()


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(audit_command, list(args), obj=CliState(), standalone_mode=False)
    if result.exception is not None:
        raise result.exception
    return int(result.return_value), result.output


def test_cli_verify_and_show(backend: Backend, store: SqlAlchemyHistoryStore) -> None:
    assert _cli("verify", "--db", backend.url, "--no-anchors") == (
        0,
        "decisions: 0 intact\noutcomes: 0 intact\nmodel approvals: 0 intact\n"
        "audit log intact: 0 decisions, 0 outcomes, 0 model approvals\n",
    )
    for n in range(1, 4):
        append_decision(store, _decision(n, build_id="55" if n != 2 else "56"))
    append_decision(store, _decision(4, service="billing", build_id="55"))
    code, out = _cli("verify", "--db", backend.url, "--no-anchors")
    assert code == 0
    assert out.splitlines()[0] == "decisions: 4 intact; 4 unsigned"
    assert out.splitlines()[-1] == "audit log intact: 4 decisions, 0 outcomes, 0 model approvals"

    code, out = _cli("show", "--build", "55", "--service", "gateway", "--db", backend.url)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(d["id"], d["build_id"], d["service"]) for d in lines] == [
        (1, "55", "gateway"),
        (3, "55", "gateway"),
    ]
    assert lines[0]["decision"] == _decision(1).document
    assert lines[0]["decided_at"] == "2026-03-01T12:01:00.123456+00:00"
    code, out = _cli("show", "--build", "55", "--db", backend.url)
    assert len(out.splitlines()) == 3

    run_sql(backend, "UPDATE decisions SET risk_score = 0 WHERE id = 3")
    code, out = _cli("verify", "--db", backend.url, "--no-anchors")
    assert code == 1
    assert out.splitlines()[0] == (
        "decisions chain broken at decision 3 (build 55 of gateway): "
        "its contents no longer match its hash [changed]"
    )
    assert "intact: " not in out.splitlines()[-1]
