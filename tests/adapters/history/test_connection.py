"""Where --db / CIPIPE_DB point, and what a user sees when the database cannot be reached."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cipipe.adapters.history.connection import database_url
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.errors import ExitCode, OutsideSystemError
from tests.support.historydb import Backend
from tests.support.pgserver import PgServer

WRONG = "not-The-Password-77"


def test_plain_path_and_default_are_sqlite(tmp_path: Path) -> None:
    assert database_url(None, default_path=tmp_path / "d.db").database == str(tmp_path / "d.db")
    url = database_url(str(tmp_path / "h.db"), default_path=tmp_path / "d.db")
    assert (url.drivername, url.database) == ("sqlite", str(tmp_path / "h.db"))
    assert database_url("sqlite:///x.db", default_path=tmp_path).database == "x.db"


def test_postgresql_urls_use_psycopg_3(tmp_path: Path) -> None:
    for given in ("postgresql://u:p@db:5432/h", "postgresql+psycopg://u:p@db:5432/h"):
        url = database_url(given, default_path=tmp_path)
        assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "db", "h")


@pytest.mark.parametrize(
    "given", ["mysql://u:s3cret-pw@db/h", "postgresql+psycopg2://u:s3cret-pw@db/h"]
)
def test_other_databases_are_refused_without_the_password(tmp_path: Path, given: str) -> None:
    with pytest.raises(HistoryError) as err:
        database_url(given, default_path=tmp_path)
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert "s3cret-pw" not in str(err.value)


def test_default_path_folder_is_created(tmp_path: Path) -> None:
    default = tmp_path / ".cipipe" / "deeper" / "history.db"
    open_store(None, default_path=default).close()
    assert default.is_file()


def test_connection_failure_is_exit_3_with_password_masked(
    backend: Backend, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """SQLite: a path that cannot be created. PostgreSQL: the real server, a wrong password."""
    if backend.name == "sqlite":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        url = str(blocker / "history.db")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        url = backend.url.replace(f":{server.password}@", f":{WRONG}@")
    with pytest.raises(OutsideSystemError) as err:
        open_store(url, default_path=tmp_path / "x.db", backoff_seconds=0)
    assert err.value.exit_code == ExitCode.OUTSIDE_FAILURE
    message = str(err.value)
    assert WRONG not in message
    if backend.name == "postgresql":
        assert ":***@" in message
        assert "authentication failed" in message


def test_unreachable_server_is_retried_then_exit_3(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://cipipe:{WRONG}@127.0.0.1:{port}/history"
    with pytest.raises(OutsideSystemError) as err:
        open_store(url, default_path=tmp_path / "x.db", attempts=2, backoff_seconds=0)
    message = str(err.value)
    assert err.value.exit_code == ExitCode.OUTSIDE_FAILURE
    assert f"postgresql+psycopg://cipipe:***@127.0.0.1:{port}/history" in message
    assert WRONG not in message
    assert WRONG not in caplog.text
    assert "retrying" in caplog.text


def test_a_file_that_is_not_a_database_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(HistoryError) as err:
        open_store(str(path), default_path=tmp_path / "x.db")
    assert err.value.exit_code == ExitCode.BAD_INPUT
