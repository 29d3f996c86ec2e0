"""The history tables and the hand-written migrations that bring any older database up to them.

Migrations are numbered steps applied in order inside the caller's transaction, so a database
is either fully at a version or untouched. Each step also checks before it creates or adds,
so running it over a half-migrated database (a SQLite file from a crash, an admin's manual fix)
is harmless. A step's DDL is frozen in the step: later edits to the current tables below do not
change what an old step creates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from cipipe.adapters.history.interface import HistoryError


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones (it stores text), so the value is stored as naive UTC there;
    PostgreSQL gets ``timestamptz``. Naive values from callers are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The newest schema: what the store's queries use.
metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

builds = Table(
    "builds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service", String(200), nullable=False),
    Column("build_id", String(200), nullable=False),
    Column("commit", String(64)),
    Column("branch", String(255)),
    Column("author", String(255)),
    Column("started_at", UtcDateTime, nullable=False),
    Column("result", String(16), nullable=False),
    Column("source", String(16), nullable=False, server_default="cipipe"),
    Column("risk_inputs", Text),
    UniqueConstraint("service", "build_id", name="uq_builds_service_build_id"),
)

build_modules = Table(
    "build_modules",
    metadata,
    Column("build_pk", Integer, ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True),
    Column("module", String(500), primary_key=True),
)

# What happened after a build shipped: chained and signed like the decisions (schema 5). The
# build is named by service and build_id, which the chain hashes; build_pk is the join key.
# The columns added in schema 5 are nullable in the database (SQLite cannot add a NOT NULL
# column without a default), but every writer and the v5 backfill fill them.
outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("build_pk", Integer, ForeignKey("builds.id", ondelete="CASCADE"), nullable=False),
    Column("result", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("note", Text),
    Column("recorded_by", String(255)),
    Column("service", String(200)),
    Column("build_id", String(200)),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    Column("key_id", String(64)),
    Column("signature", String(64)),
)

# The audit log of risk decisions: append-only, each row's hash covering the one before it.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service", String(200), nullable=False),
    Column("build_id", String(200), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("decided_by", String(255), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("model_version", String(100)),
    Column("risk_score", Float, nullable=False),
    Column("strategy", String(100), nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(64)),
    Column("signature", String(64)),
    UniqueConstraint("prev_hash", name="uq_decisions_prev_hash"),
)

# The audit log of model approvals (promote, retire): chained like decisions, apart from them.
model_approvals = Table(
    "model_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(100), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(255), nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(64)),
    Column("signature", String(64)),
    UniqueConstraint("prev_hash", name="uq_model_approvals_prev_hash"),
)


def _v1_builds_and_modules(conn: Connection) -> None:
    """Version 1: the builds cipipe records and the modules each touched."""
    v1 = MetaData()
    Table("schema_version", v1, Column("version", Integer, nullable=False))
    Table(
        "builds",
        v1,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("service", String(200), nullable=False),
        Column("build_id", String(200), nullable=False),
        Column("commit", String(64)),
        Column("branch", String(255)),
        Column("author", String(255)),
        Column("started_at", UtcDateTime, nullable=False),
        Column("result", String(16), nullable=False),
        UniqueConstraint("service", "build_id", name="uq_builds_service_build_id"),
    )
    Table(
        "build_modules",
        v1,
        Column("build_pk", Integer, ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True),
        Column("module", String(500), primary_key=True),
    )
    v1.create_all(conn, checkfirst=True)


def _v2_outcomes_and_provenance(conn: Connection) -> None:
    """Version 2: outcomes after shipping, where a build came from (Jenkins backfill), the risk
    inputs build-info saw, and the indexes the failure-rate query walks."""
    columns = {c["name"] for c in inspect(conn).get_columns("builds")}
    if "source" not in columns:
        conn.execute(
            text("ALTER TABLE builds ADD COLUMN source VARCHAR(16) DEFAULT 'cipipe' NOT NULL")
        )
    if "risk_inputs" not in columns:
        conn.execute(text("ALTER TABLE builds ADD COLUMN risk_inputs TEXT"))
    v2 = MetaData()
    Table("builds", v2, Column("id", Integer, primary_key=True))
    Table(
        "outcomes",
        v2,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("build_pk", Integer, ForeignKey("builds.id", ondelete="CASCADE"), nullable=False),
        Column("result", String(16), nullable=False),
        Column("at", UtcDateTime, nullable=False),
        Column("note", Text),
        Column("recorded_by", String(255)),
    ).create(conn, checkfirst=True)
    for ddl in (
        "CREATE INDEX IF NOT EXISTS ix_builds_service_started ON builds (service, started_at)",
        "CREATE INDEX IF NOT EXISTS ix_build_modules_module ON build_modules (module)",
        "CREATE INDEX IF NOT EXISTS ix_outcomes_build ON outcomes (build_pk)",
    ):
        conn.execute(text(ddl))


def _v3_decisions(conn: Connection) -> None:
    """Version 3: the hash-chained audit log of risk decisions. A unique ``prev_hash`` means
    two records can never follow the same one: the chain cannot fork."""
    v3 = MetaData()
    Table(
        "decisions",
        v3,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("service", String(200), nullable=False),
        Column("build_id", String(200), nullable=False),
        Column("decided_at", UtcDateTime, nullable=False),
        Column("decided_by", String(255), nullable=False),
        Column("mode", String(16), nullable=False),
        Column("policy_version", String(100), nullable=False),
        Column("model_version", String(100)),
        Column("risk_score", Float, nullable=False),
        Column("strategy", String(100), nullable=False),
        Column("record", Text, nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        UniqueConstraint("prev_hash", name="uq_decisions_prev_hash"),
    ).create(conn, checkfirst=True)
    for ddl in (
        "CREATE INDEX IF NOT EXISTS ix_decisions_service_build ON decisions (service, build_id)",
        "CREATE INDEX IF NOT EXISTS ix_decisions_hash ON decisions (hash)",
    ):
        conn.execute(text(ddl))


def _v4_model_approvals(conn: Connection) -> None:
    """Version 4: the hash-chained audit log of model approvals (which model version became
    candidate, approved or retired, when and by whom), beside the decisions it scores."""
    v4 = MetaData()
    Table(
        "model_approvals",
        v4,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("version", String(100), nullable=False),
        Column("state", String(16), nullable=False),
        Column("at", UtcDateTime, nullable=False),
        Column("by", String(255), nullable=False),
        Column("record", Text, nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        UniqueConstraint("prev_hash", name="uq_model_approvals_prev_hash"),
    ).create(conn, checkfirst=True)
    for ddl in (
        "CREATE INDEX IF NOT EXISTS ix_model_approvals_version ON model_approvals (version)",
        "CREATE INDEX IF NOT EXISTS ix_model_approvals_hash ON model_approvals (hash)",
    ):
        conn.execute(text(ddl))


def _v5_signatures_and_chained_outcomes(conn: Connection) -> None:
    """Version 5: a signature column pair (key id, HMAC) on every chained table, and the
    outcomes chained like the decisions. Existing outcomes are chained here, in id order, as
    they stand (unsigned: a migration has no business holding the audit key); the hash rule is
    written out in ``_v5_outcome_hash``, frozen like the DDL."""
    for table in ("decisions", "model_approvals"):
        _add_columns(conn, table, {"key_id": "VARCHAR(64)", "signature": "VARCHAR(64)"})
    _add_columns(
        conn,
        "outcomes",
        {
            "service": "VARCHAR(200)",
            "build_id": "VARCHAR(200)",
            "prev_hash": "VARCHAR(64)",
            "hash": "VARCHAR(64)",
            "key_id": "VARCHAR(64)",
            "signature": "VARCHAR(64)",
        },
    )
    _v5_chain_old_outcomes(conn)
    for ddl in (
        "CREATE UNIQUE INDEX IF NOT EXISTS uq_outcomes_prev_hash ON outcomes (prev_hash)",
        "CREATE INDEX IF NOT EXISTS ix_outcomes_hash ON outcomes (hash)",
    ):
        conn.execute(text(ddl))


def _add_columns(conn: Connection, table: str, columns: dict[str, str]) -> None:
    present = {c["name"] for c in inspect(conn).get_columns(table)}
    for name, sql_type in columns.items():
        if name not in present:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}"))


def _v5_chain_old_outcomes(conn: Connection) -> None:
    v5 = MetaData()
    old_builds = Table(
        "builds",
        v5,
        Column("id", Integer, primary_key=True),
        Column("service", String(200)),
        Column("build_id", String(200)),
    )
    old = Table(
        "outcomes",
        v5,
        Column("id", Integer, primary_key=True),
        Column("build_pk", Integer),
        Column("result", String(16)),
        Column("at", UtcDateTime),
        Column("note", Text),
        Column("recorded_by", String(255)),
        Column("service", String(200)),
        Column("build_id", String(200)),
        Column("prev_hash", String(64)),
        Column("hash", String(64)),
    )
    last = conn.execute(
        select(old.c.hash).where(old.c.hash.is_not(None)).order_by(old.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or "0" * 64
    rows = conn.execute(
        select(old, old_builds.c.service.label("b_service"), old_builds.c.build_id.label("b_id"))
        .join(old_builds, old_builds.c.id == old.c.build_pk)
        .where(old.c.hash.is_(None))
        .order_by(old.c.id)
    ).all()
    for row in rows:
        fields = {
            "service": row.b_service,
            "build_id": row.b_id,
            "result": row.result,
            "at": row.at,
            "note": row.note,
            "recorded_by": row.recorded_by,
            "prev_hash": prev,
        }
        digest = _v5_outcome_hash(fields)
        conn.execute(
            old.update()
            .where(old.c.id == row.id)
            .values(service=row.b_service, build_id=row.b_id, prev_hash=prev, hash=digest)
        )
        prev = digest


def _v5_outcome_hash(fields: dict[str, object]) -> str:
    """sha256(prev_hash + canonical JSON of the fields), the time as ISO text in UTC: the rule
    of chain.row_hash as it stood at version 5."""
    at = fields["at"]
    if not isinstance(at, datetime):
        raise TypeError(f"outcome time is {type(at).__name__}, not a datetime")
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    data = {**fields, "at": moment.isoformat(timespec="microseconds")}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256((str(fields["prev_hash"]) + canonical).encode()).hexdigest()


Migration = Callable[[Connection], None]
MIGRATIONS: tuple[tuple[int, Migration], ...] = (
    (1, _v1_builds_and_modules),
    (2, _v2_outcomes_and_provenance),
    (3, _v3_decisions),
    (4, _v4_model_approvals),
    (5, _v5_signatures_and_chained_outcomes),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
# Any fixed number: two cipipe processes opening one PostgreSQL database migrate one at a time.
_PG_MIGRATION_LOCK = 0x63697069


def current_version(conn: Connection) -> int:
    """The database's schema version; 0 for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(select(schema_version.c.version)).scalars().all()
    return max(found, default=0)


def migrate(conn: Connection, *, where: str) -> int:
    """Bring the schema to SCHEMA_VERSION in the caller's transaction; return the version found.

    A database newer than this cipipe is refused rather than written to: its meaning of the
    tables may have changed in ways this code would corrupt.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise HistoryError(
            f"database schema version {found} is newer than this cipipe ({SCHEMA_VERSION}); "
            "upgrade cipipe",
            file=where,
        )
    for version, step in MIGRATIONS:
        if version > found:
            step(conn)
            conn.execute(delete(schema_version))
            conn.execute(insert(schema_version).values(version=version))
    return found
