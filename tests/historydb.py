"""A history database for a test, and SQL typed by hand into it: what an insider with database
access can do, for the tamper and migration tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text


@dataclass(frozen=True)
class Backend:
    """A fresh, empty database of one kind; ``url`` is what ``--db``/``CIPIPE_DB`` would say."""

    name: str
    url: str
    raw_url: str
    """The SQLAlchemy URL, for tests that shape a database by hand before cipipe opens it."""

    @classmethod
    def sqlite(cls, path: Path) -> Backend:
        return cls("sqlite", str(path), f"sqlite:///{path}")


def run_sql(backend: Backend, *statements: str) -> None:
    """Run ``statements`` in one transaction, past cipipe: nothing checks or chains them."""
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()
