"""Where the history database is and how to reach it, with its password kept out of messages.

``--db``/``CIPIPE_DB`` take a plain path (SQLite, the default: no server to run) or a URL.
PostgreSQL always goes through psycopg 3: SQLAlchemy's default PostgreSQL driver is psycopg2,
which cipipe does not install, so a bare ``postgresql://`` is read as ``postgresql+psycopg://``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)

from cipipe.adapters.history.interface import HistoryError
from cipipe.errors import OutsideSystemError

SUPPORTED_URLS = "a file path, sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
_DB_FIELD = "--db / CIPIPE_DB"
_MASK = "***"


class DatabaseUnreachable(OutsideSystemError):
    """The database server or file could not be reached or refused us (exit 3)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def database_url(url: str | None, *, default_path: Path) -> URL:
    """The SQLAlchemy URL for ``url``: None or "" is SQLite at ``default_path``."""
    if url is None or not url.strip():
        return URL.create("sqlite", database=str(default_path))
    if "://" not in url:
        return URL.create("sqlite", database=str(Path(url).expanduser()))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise HistoryError("not a database URL", field=_DB_FIELD, expected=SUPPORTED_URLS) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    shown = parsed.render_as_string(hide_password=True)
    raise HistoryError(f"unsupported database {shown!r}", field=_DB_FIELD, expected=SUPPORTED_URLS)


def masked(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def create_history_engine(url: URL, *, durable: bool = True) -> Engine:
    """An engine whose transactions really are transactions, on SQLite too.

    Python's sqlite3 module does not open a transaction before DDL, so a failed migration would
    leave half a schema behind. Taking over BEGIN (SQLAlchemy's documented recipe) makes every
    ``engine.begin()`` block atomic; IMMEDIATE takes the write lock up front, so two cipipe
    processes queue on the busy timeout instead of failing on a lock upgrade.

    ``durable=False`` (SQLite only) skips the fsync of every commit: for a store that can be
    made again from scratch (``cipipe history seed``), whose hundreds of small appends would
    otherwise wait on the disk; a crash may lose or corrupt it.
    """
    if url.get_backend_name() != "sqlite":
        return create_engine(url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        try:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnreachable(
                f"database {masked(url)}: cannot create its folder: {exc.strerror}",
                retryable=False,
            ) from None
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connect if durable else _sqlite_connect_fast)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _sqlite_connect_fast(dbapi_connection: sqlite3.Connection, record: Any) -> None:
    _sqlite_connect(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA synchronous = OFF")


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def database_errors(url: URL, doing: str) -> Iterator[None]:
    """Turn driver failures into cipipe's errors: unreachable (exit 3), or unusable or a write
    that conflicts with what the store holds, e.g. a duplicate record (exit 2).

    The driver's text is cut to its first line and any copy of the password is masked; the
    original exception is not chained, so not even ``--debug`` tracebacks show the URL it held.
    """
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        reason = _reason(exc, url.password)
        raise DatabaseUnreachable(
            f"database {masked(url)}: cannot {doing}: {reason}",
            retryable="authentication failed" not in reason,
        ) from None
    except IntegrityError as exc:
        # A unique key or a reference the write breaks: the store already holds that record (or
        # lacks the one it points at). Retrying cannot fix it and cipipe wrote nothing, so it is
        # the input that conflicts with the store (exit 2), not a database that failed (exit 3).
        raise HistoryError(
            f"cannot {doing}: it conflicts with a record already in the store, which is kept"
            f" as it is ({_reason(exc, url.password)})",
            file=masked(url),
            expected="a record the store does not hold yet (duplicates are refused)",
        ) from None
    except DatabaseError as exc:
        raise HistoryError(
            f"cannot {doing}: {_reason(exc, url.password)}",
            file=masked(url),
            expected="a cipipe history database",
        ) from None


def _reason(exc: DatabaseError | InterfaceError, password: str | None) -> str:
    text = str(exc.orig if exc.orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if password:
        first = first.replace(password, _MASK)
    return first
