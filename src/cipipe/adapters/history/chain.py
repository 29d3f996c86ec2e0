"""The hash chain that the history store's audit tables share (decisions, outcomes, model
approvals).

A chained table has an autoincrement ``id`` (the chain's order, not hashed), a ``prev_hash``
(the hash of the record before it, ``GENESIS_HASH`` for the first; unique, so the chain cannot
fork), a ``hash`` = ``sha256(prev_hash + canonical JSON of every other field)``, one
timezone-aware time column, hashed as its ISO text in UTC, and ``key_id`` + ``signature``.

A record's ``seq`` is its place in the chain, 1 for the first: counted, never stored. The
signature is the audit key's HMAC of (chain name, seq, hash) (``signing.py``); it sits outside
the hash, so the records written before signing existed keep their hashes, and since the hash
covers every earlier record through ``prev_hash``, one valid signature vouches for the whole
chain up to its record. Once a chain holds a signed record, only signed records are appended
to it: an unsigned one after a signed one is what someone without the key would write, and
``audit verify`` reports it as forged.

Appends are serialised the way migrations are: SQLite's ``BEGIN IMMEDIATE`` (taken by every
transaction of an engine from ``create_history_engine``) and a PostgreSQL advisory lock, one
key per chain. ``break_at``, at each record of a walk, tells a changed record (its hash no
longer matches) from a removed one (the record it was chained to is gone) from a reordered one
(it follows a record stored after it); ``verify.py`` walks each chain once and checks
signatures and anchors too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlalchemy.engine import URL, Row

from cipipe.adapters.history.audit_records import GENESIS_HASH as GENESIS_HASH
from cipipe.adapters.history.audit_records import Head as Head
from cipipe.adapters.history.audit_records import ProblemKind as ProblemKind
from cipipe.adapters.history.audit_records import as_datetime, stamp, utc
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryError
from cipipe.adapters.history.signing import ENV_KEY, KEY_EXPECTED, AuditKeys

# Never hashed: the order (id), the hash itself, and the signature made over the hash.
UNHASHED = ("id", "hash", "key_id", "signature")
_BATCH = 500


class SqlStore(Protocol):
    """What the chained logs need of the SQL store (``sqlalchemy_store.py``), whose methods
    call them: its engine (the logs share its connections and locking), its URL (for
    messages) and the audit keys it was opened with (to sign appends and check signatures)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def database_url(self) -> URL: ...

    @property
    def audit_keys(self) -> AuditKeys: ...


@dataclass(frozen=True)
class Chain:
    """One chained table: its name in anchors and signatures ("decisions"), its time column,
    how a record is named in messages ("decision"), the advisory lock its appends queue
    behind, how one row is described ("build 7 of gateway"), and columns that are stored but
    not hashed (a foreign key whose value means nothing outside this database)."""

    table: Table
    time_field: str
    noun: str
    lock_key: int
    name: str
    describe: Callable[[Row[tuple[object, ...]]], str]
    not_hashed: tuple[str, ...] = ()

    @property
    def unhashed(self) -> tuple[str, ...]:
        return (*UNHASHED, *self.not_hashed)


@dataclass(frozen=True)
class Break:
    """Where a walk found the chain broken: the row (as stored), its place, how, and why."""

    row: Row[tuple[object, ...]]
    kind: ProblemKind
    detail: str
    seq: int = 0


def append_row(store: SqlStore, chain: Chain, values: Mapping[str, object]) -> Head:
    """Append ``values`` (every field but id, prev_hash, hash and the signature) at the end,
    signed with the store's audit key when it has one; return the new head."""
    with (
        database_errors(store.database_url, f"append a {chain.noun}"),
        store.engine.begin() as conn,
    ):
        return append_in(conn, chain, values, store.audit_keys)


def append_in(
    conn: Connection, chain: Chain, values: Mapping[str, object], keys: AuditKeys
) -> Head:
    """``append_row`` inside the caller's transaction (which may have looked something up)."""
    table = chain.table
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": chain.lock_key})
    last = head_in(conn, chain)
    if last.signature is not None and keys.signing_key_id is None:
        raise HistoryError(
            f"the {chain.noun} log is signed (key {last.key_id}); an unsigned record appended "
            "now would read as forged",
            field=ENV_KEY,
            expected=f"the audit key in the environment ({KEY_EXPECTED})",
        )
    row: dict[str, object] = {**values, "prev_hash": last.hash}
    row[chain.time_field] = utc(as_datetime(chain.time_field, row[chain.time_field]))
    own_hash = row_hash(row, chain.time_field, chain.unhashed)
    seq = last.seq + 1
    signature = keys.sign("record", record_payload(chain, seq, own_hash))
    key_id, value = (signature.key_id, signature.value) if signature else (None, None)
    conn.execute(
        insert(table).values({**row, "hash": own_hash, "key_id": key_id, "signature": value})
    )
    return Head(seq, own_hash, key_id, value)


def head_in(conn: Connection, chain: Chain) -> Head:
    """The newest record of ``chain`` as seen by ``conn``'s transaction."""
    table = chain.table
    count = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    last = conn.execute(
        select(table.c.hash, table.c.key_id, table.c.signature).order_by(table.c.id.desc()).limit(1)
    ).first()
    if last is None:
        return Head(0, GENESIS_HASH)
    return Head(count, last.hash, last.key_id, last.signature)


def record_payload(chain: Chain, seq: int, hash_: str) -> dict[str, object]:
    """What a record's signature covers (see ``signing.signed_message``)."""
    return {"chain": chain.name, "seq": seq, "hash": hash_}


def walk(conn: Connection, chain: Chain) -> Iterator[tuple[int, Row[tuple[object, ...]]]]:
    """Every row in chain (id) order with its seq, fetched in batches (a server-side cursor on
    PostgreSQL), so a long log is never held in memory at once."""
    table = chain.table
    query = select(table).order_by(table.c.id).execution_options(yield_per=_BATCH)
    yield from enumerate(conn.execute(query), start=1)


def break_at(
    conn: Connection, chain: Chain, seq: int, row: Row[tuple[object, ...]], expected_prev: str
) -> Break | None:
    """Whether ``row``, found at ``seq``, is intact (its hash) and in place (its link)."""
    table = chain.table
    if row_hash(hashed_fields(chain, row), chain.time_field, chain.unhashed) != row.hash:
        return Break(row, "changed", "its contents no longer match its hash", seq)
    if row.prev_hash == expected_prev:
        return None
    later = conn.execute(
        select(table.c.id).where(table.c.hash == row.prev_hash, table.c.id > row.id)
    ).first()
    if later is not None:
        return Break(row, "reordered", f"it follows {chain.noun} {later.id}, stored after it", seq)
    return Break(
        row,
        "removed",
        "the record it was chained to is missing (removed, or rewritten with a new hash)",
        seq,
    )


def canonical_json(data: object) -> str:
    """Sorted keys, no spaces, ASCII only, no NaN: one text for one value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def row_hash(
    values: Mapping[str, object], time_field: str, unhashed: tuple[str, ...] = UNHASHED
) -> str:
    """sha256 of prev_hash followed by the canonical JSON of every field but the unhashed."""
    fields = {k: v for k, v in values.items() if k not in unhashed}
    fields[time_field] = stamp(time_field, fields[time_field])
    payload = str(fields["prev_hash"]) + canonical_json(fields)
    return hashlib.sha256(payload.encode()).hexdigest()


def hashed_fields(chain: Chain, row: Row[tuple[object, ...]]) -> dict[str, object]:
    return {c.name: row._mapping[c] for c in chain.table.columns if c.name not in chain.unhashed}
