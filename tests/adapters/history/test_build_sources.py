"""HistoryStore.build_sources: builds counted by source, of every build or of some, on SQLite
and PostgreSQL; and a store opened not durable (history seed's) syncs no commit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from cipipe.adapters.history.sqlalchemy_store import open_store
from tests.support.historydb import Backend, build


def test_counts_builds_by_source_of_all_or_of_the_keys_given(
    backend: Backend, tmp_path: Path
) -> None:
    with open_store(backend.url, default_path=tmp_path / "unused.sqlite3") as store:
        assert store.build_sources() == {}
        store.record_build(build("1", source="cipipe"))
        store.record_build(build("2", source="jenkins"))
        store.record_build(build("syn-1", source="synthetic"))
        store.record_build(build("syn-2", source="synthetic"))
        # Same build id, other service: a key names one build, not every build with its id.
        store.record_build(build("1", service="payments", source="synthetic"))
        assert store.build_sources() == {"cipipe": 1, "jenkins": 1, "synthetic": 3}
        assert store.build_sources([("gateway", "1"), ("gateway", "syn-2")]) == {
            "cipipe": 1,
            "synthetic": 1,
        }
        assert store.build_sources([("gateway", "1")]) == {"cipipe": 1}
        # Two services and two ids select payments' build 1 too, which no key names.
        assert store.build_sources([("gateway", "1"), ("payments", "404")]) == {"cipipe": 1}
        assert store.build_sources([("gateway", "404")]) == {}
        assert store.build_sources([]) == {}


def _synchronous(db: Path, *, durable: bool) -> int:
    store = open_store(str(db), default_path=db, durable=durable)
    with store, store.engine.connect() as conn:
        return int(conn.execute(text("PRAGMA synchronous")).scalar_one())


def test_only_a_store_opened_not_durable_skips_syncing(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    assert _synchronous(db, durable=True) == 2  # FULL, SQLite's default
    assert _synchronous(db, durable=False) == 0  # OFF
