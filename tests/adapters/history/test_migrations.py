"""Opening an older database migrates it; a newer one is refused untouched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.schema import SCHEMA_VERSION, current_version
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.errors import ExitCode
from tests.support.historydb import Backend, build_outcomes, run_sql

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _make_v1(backend: Backend) -> None:
    """Version 1 as cipipe 0.1 left it, written out by hand rather than by the v1 step."""
    pg = backend.name == "postgresql"
    pk = "SERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"
    stamp = "TIMESTAMP WITH TIME ZONE" if pg else "DATETIME"
    run_sql(
        backend,
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        "INSERT INTO schema_version (version) VALUES (1)",
        f"""CREATE TABLE builds (
            id {pk}, service VARCHAR(200) NOT NULL, build_id VARCHAR(200) NOT NULL,
            "commit" VARCHAR(64), branch VARCHAR(255), author VARCHAR(255),
            started_at {stamp} NOT NULL, result VARCHAR(16) NOT NULL,
            CONSTRAINT uq_builds_service_build_id UNIQUE (service, build_id))""",
        """CREATE TABLE build_modules (
            build_pk INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
            module VARCHAR(500) NOT NULL, PRIMARY KEY (build_pk, module))""",
        """INSERT INTO builds (service, build_id, "commit", started_at, result)
            VALUES ('gateway', '100', 'abc', '2026-02-27 10:00:00', 'failure')""",
        "INSERT INTO build_modules (build_pk, module) SELECT id, 'net' FROM builds",
    )


def _version(backend: Backend) -> int:
    engine = create_engine(backend.raw_url)
    try:
        with engine.connect() as conn:
            return current_version(conn)
    finally:
        engine.dispose()


def test_new_database_is_created_at_the_newest_version(backend: Backend, tmp_path: Path) -> None:
    open_store(backend.url, default_path=tmp_path / "x.db").close()
    assert _version(backend) == SCHEMA_VERSION
    # Opening again changes nothing.
    open_store(backend.url, default_path=tmp_path / "x.db").close()
    assert _version(backend) == SCHEMA_VERSION


def test_v1_database_is_migrated_and_keeps_its_builds(backend: Backend, tmp_path: Path) -> None:
    _make_v1(backend)
    assert _version(backend) == 1
    with open_store(backend.url, default_path=tmp_path / "x.db") as store:
        (old,) = store.builds("gateway")
        assert (old.build_id, old.commit, old.result, old.source) == (
            "100",
            "abc",
            "failure",
            "cipipe",
        )
        assert old.started_at == datetime(2026, 2, 27, 10, 0, tzinfo=UTC)
        assert old.modules == ("net",)
        store.record_outcome("gateway", "100", "rollback", NOW, "recorded after the upgrade")
        rate = store.failure_rate("gateway", "net", window_days=30, now=NOW)
        assert (rate.failed, rate.total) == (1, 1)
    assert _version(backend) == SCHEMA_VERSION
    engine = create_engine(backend.raw_url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("builds")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("builds")}
    finally:
        engine.dispose()
    assert {"source", "risk_inputs"} <= columns
    assert "ix_builds_service_started" in indexes


def test_half_migrated_database_finishes_migrating(backend: Backend, tmp_path: Path) -> None:
    """A step finds part of its work done (say, by an admin who added a column by hand)."""
    _make_v1(backend)
    run_sql(backend, "ALTER TABLE builds ADD COLUMN risk_inputs TEXT")
    with open_store(backend.url, default_path=tmp_path / "x.db") as store:
        assert [b.build_id for b in store.builds("gateway")] == ["100"]
    assert _version(backend) == SCHEMA_VERSION


def test_newer_schema_is_refused_untouched(backend: Backend, tmp_path: Path) -> None:
    open_store(backend.url, default_path=tmp_path / "x.db").close()
    newer = SCHEMA_VERSION + 5
    run_sql(backend, f"UPDATE schema_version SET version = {newer}")
    with pytest.raises(HistoryError) as err:
        open_store(backend.url, default_path=tmp_path / "x.db")
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert (
        f"database schema version {newer} is newer than this cipipe ({SCHEMA_VERSION}); "
        "upgrade cipipe"
    ) in str(err.value)
    assert _version(backend) == newer


def test_v4_outcomes_are_chained_by_the_v5_migration(backend: Backend, tmp_path: Path) -> None:
    """Outcomes recorded before schema 5 become the unsigned start of the outcomes chain; the
    migration's frozen hash rule agrees with the chain code, and new outcomes chain on."""
    from cipipe.adapters.history.outcome_audit import append_outcome
    from cipipe.adapters.history.schema import MIGRATIONS
    from cipipe.adapters.history.signing import AuditKeys
    from cipipe.adapters.history.verify import verify_chains

    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            for _number, step in MIGRATIONS[:4]:
                step(conn)
            conn.execute(text("INSERT INTO schema_version (version) VALUES (4)"))
    finally:
        engine.dispose()
    run_sql(
        backend,
        """INSERT INTO builds (service, build_id, started_at, result)
            VALUES ('gateway', '100', '2026-02-27 10:00:00', 'success'),
                   ('billing', '7', '2026-02-27 11:00:00', 'success')""",
        """INSERT INTO outcomes (build_pk, result, at, note, recorded_by)
            SELECT id, 'rollback', '2026-02-28 10:00:00.250000', 'café ✓', 'ana' FROM builds
            WHERE service = 'gateway'""",
        """INSERT INTO outcomes (build_pk, result, at)
            SELECT id, 'ok', '2026-02-28 09:00:00' FROM builds WHERE service = 'billing'""",
    )
    keys = AuditKeys(b"k" * 40)
    with open_store(backend.url, default_path=tmp_path / "x.db", keys=keys) as store:
        (report,) = verify_chains(store, only=("outcomes",))
        assert report.problem is None
        assert (report.records, report.unsigned_before_signing) == (2, 2)
        assert [o.note for o in build_outcomes(store, "gateway", "100")] == ["café ✓"]
        head = append_outcome(store, "billing", "7", "hotfix", NOW)
        assert head.seq == 3 and head.signature is not None
        (report,) = verify_chains(store, only=("outcomes",))
        assert report.problem is None and (report.checked, report.unsigned_before_signing) == (
            1,
            2,
        )
        assert store.failure_rate("gateway", "net", window_days=None, now=NOW).total == 0
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            assert current_version(conn) == SCHEMA_VERSION == 5
            MIGRATIONS[4][1](conn)  # idempotent: nothing left to chain, nothing to add
            hashes = conn.execute(text("SELECT hash FROM outcomes ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert len(set(hashes)) == 3 and all(hashes)
    with open_store(backend.url, default_path=tmp_path / "x.db", keys=keys) as store:
        (report,) = verify_chains(store, only=("outcomes",))
        assert report.problem is None and report.records == 3
