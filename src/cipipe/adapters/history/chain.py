"""The hash chain that the history store's audit tables share (decisions, model approvals).

A chained table has an autoincrement ``id`` (the chain's order, not hashed), a ``prev_hash``
(the hash of the record before it, ``GENESIS_HASH`` for the first; unique, so the chain cannot
fork), a ``hash`` = ``sha256(prev_hash + canonical JSON of every other field)``, and one
timezone-aware time column, hashed as its ISO text in UTC.

Appends are serialised the way migrations are: SQLite's ``BEGIN IMMEDIATE`` (taken by every
transaction of an engine from ``create_history_engine``) and a PostgreSQL advisory lock, one
key per chain. The walk in ``first_break`` tells a changed record (its hash no longer matches)
from a removed one (the record it was chained to is gone) from a reordered one (it follows a
record stored after it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.engine import URL, Row

from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError, HistoryStore
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore

ProblemKind = Literal["changed", "removed", "reordered"]
GENESIS_HASH = "0" * 64
Target = HistoryStore | Engine
UNHASHED = ("id", "hash")


@dataclass(frozen=True)
class Chain:
    """One chained table: which it is, its time column, how a record is named in messages
    ("decision", "model approval") and the advisory lock its appends queue behind."""

    table: Table
    time_field: str
    noun: str
    lock_key: int


@dataclass(frozen=True)
class Break:
    """Where a walk found the chain broken: the row (as stored), how, and why."""

    row: Row[tuple[object, ...]]
    kind: ProblemKind
    detail: str


def append_row(target: Target, chain: Chain, values: Mapping[str, object]) -> str:
    """Append ``values`` (every field but id, prev_hash and hash) at the end; return its hash."""
    engine, url = engine_of(target)
    table = chain.table
    with database_errors(url, f"append a {chain.noun}"), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": chain.lock_key})
        last = conn.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1))
        row: dict[str, object] = {**values, "prev_hash": last.scalar_one_or_none() or GENESIS_HASH}
        row[chain.time_field] = utc(_datetime(chain.time_field, row[chain.time_field]))
        row["hash"] = row_hash(row, chain.time_field)
        conn.execute(insert(table).values(row))
    return str(row["hash"])


def first_break(target: Target, chain: Chain) -> Break | None:
    """Walk the table in id order; the first record that is not intact and in place, if any."""
    engine, url = engine_of(target)
    table = chain.table
    expected_prev = GENESIS_HASH
    with database_errors(url, f"verify the {chain.noun} log"), engine.begin() as conn:
        for row in conn.execute(select(table).order_by(table.c.id)):
            if row_hash(hashed_fields(chain, row), chain.time_field) != row.hash:
                return Break(row, "changed", "its contents no longer match its hash")
            if row.prev_hash != expected_prev:
                later = conn.execute(
                    select(table.c.id).where(table.c.hash == row.prev_hash, table.c.id > row.id)
                ).first()
                if later is not None:
                    detail = f"it follows {chain.noun} {later.id}, stored after it"
                    return Break(row, "reordered", detail)
                return Break(
                    row,
                    "removed",
                    "the record it was chained to is missing (removed, or rewritten with a new "
                    "hash)",
                )
            expected_prev = row.hash
    return None


def count_rows(target: Target, chain: Chain) -> int:
    engine, url = engine_of(target)
    with database_errors(url, f"count {chain.noun}s"), engine.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(chain.table)).scalar_one())


def canonical_json(data: object) -> str:
    """Sorted keys, no spaces, ASCII only, no NaN: one text for one value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def row_hash(values: Mapping[str, object], time_field: str) -> str:
    """sha256 of prev_hash followed by the canonical JSON of every field but ``id``/``hash``."""
    fields = {k: v for k, v in values.items() if k not in UNHASHED}
    fields[time_field] = stamp(time_field, fields[time_field])
    payload = str(fields["prev_hash"]) + canonical_json(fields)
    return hashlib.sha256(payload.encode()).hexdigest()


def hashed_fields(chain: Chain, row: Row[tuple[object, ...]]) -> dict[str, object]:
    return {c.name: row._mapping[c] for c in chain.table.columns if c.name not in UNHASHED}


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stamp(name: str, value: object) -> str:
    return utc(_datetime(name, value)).isoformat(timespec="microseconds")


def _datetime(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} is {type(value).__name__}, not a datetime")
    return value


def engine_of(target: Target) -> tuple[Engine, URL]:
    """The store's own engine: the audit log shares its connections and its locking."""
    if isinstance(target, Engine):
        return target, target.url
    if isinstance(target, SqlAlchemyHistoryStore):
        return target.engine, target.database_url
    raise HistoryError(
        f"the audit log needs a SQL history store, not {type(target).__name__}",
        file=getattr(target, "url", None),
    )
