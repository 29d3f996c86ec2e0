"""The history store's tests run once on SQLite and once on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_postgresql.janitor import DatabaseJanitor

from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from tests.conftest import require_or_skip
from tests.pgserver import PgServer, Unavailable, find_bindir, start_server

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server for the session. Missing binaries skip (fail with CIPIPE_REQUIRE_TOOLS=1); a
    server that will not start fails, so a broken PostgreSQL install cannot hide behind a skip."""
    try:
        server = start_server()
    except Unavailable as exc:
        if find_bindir() is None or "no 'postgres' user" in str(exc):
            require_or_skip(str(exc))
        pytest.fail(f"PostgreSQL did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Backend:
    """A fresh, empty database of one kind; ``url`` is what ``--db``/``CIPIPE_DB`` would say."""

    name: str
    url: str
    raw_url: str
    """The SQLAlchemy URL, for tests that shape a database by hand before cipipe opens it."""


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "history.db"
        yield Backend("sqlite", str(path), f"sqlite:///{path}")
        return
    server: PgServer = request.getfixturevalue("pg_server")
    dbname = f"cipipe_test_{next(_names)}"
    janitor = DatabaseJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        dbname=dbname,
        password=server.password,
    )
    with janitor:
        yield Backend("postgresql", server.url(dbname), server.url(dbname))


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    opened = open_store(backend.url, default_path=tmp_path / "unused.db")
    try:
        yield opened
    finally:
        opened.close()
