"""A write that breaks one of the store's keys (a duplicate record) is the input conflicting
with the store: exit 2 naming the database and what cipipe was doing, never a bug (exit 4),
on SQLite and on PostgreSQL (the ``backend`` fixture of tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.model_audit import append_model_event
from cipipe.adapters.history.schema import builds
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.errors import ExitCode
from tests.support.auditchains import model_event_count
from tests.support.historydb import Backend, run_sql
from tests.support.pgserver import PASSWORD

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_duplicate_record_is_bad_input_not_a_bug(backend: Backend, tmp_path: Path) -> None:
    row = {
        "service": "gateway",
        "build_id": "42",
        "started_at": datetime(2026, 1, 2, tzinfo=UTC),
        "result": "success",
        "source": "cipipe",
    }
    with open_store(backend.url, default_path=tmp_path / "history.db") as store:
        with database_errors(store.database_url, "record a build"), store.engine.begin() as conn:
            conn.execute(insert(builds).values(row))
        with (
            pytest.raises(HistoryError) as err,
            database_errors(store.database_url, "record a build"),
            store.engine.begin() as conn,
        ):
            conn.execute(insert(builds).values(row))
        assert len(store.builds("gateway")) == 1
    assert err.value.exit_code == ExitCode.BAD_INPUT
    message = str(err.value)
    assert message.startswith(f"{store.url}: cannot record a build: it conflicts with a record")
    assert "(expected a record the store does not hold yet (duplicates are refused))" in message
    assert err.value.__cause__ is None and err.value.__suppress_context__
    if backend.name == "postgresql":
        assert "uq_builds_service_build_id" in message
        assert PASSWORD not in message


def test_an_append_after_a_forged_successor_is_refused_as_bad_input(
    backend: Backend, tmp_path: Path
) -> None:
    """A row written past cipipe already follows the head, so the next append would fork the
    chain: the unique prev_hash refuses it, and the user gets exit 2, not a traceback."""
    with open_store(backend.url, default_path=tmp_path / "history.db") as store:
        head = append_model_event(store, "m-1", "approved", "ana", NOW, {})
        run_sql(
            backend,
            "INSERT INTO model_approvals (id, version, state, at, by, record, prev_hash, hash)"
            f" VALUES (0, 'forged', 'approved', '2026-03-01 12:00:00+00:00', 'eve', '{{}}',"
            f" '{head.hash}', '{'f' * 64}')",
        )
        with pytest.raises(HistoryError) as err:
            append_model_event(store, "m-2", "approved", "ana", NOW, {})
        assert model_event_count(store) == 2
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert "cannot append a model approval: it conflicts with a record" in str(err.value)
