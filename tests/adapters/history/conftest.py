"""The history store's tests run once on SQLite and once on a real PostgreSQL server (the
``backend`` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from tests.support.historydb import Backend


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    opened = open_store(backend.url, default_path=tmp_path / "unused.db")
    try:
        yield opened
    finally:
        opened.close()
