"""HistoryStore over SQLAlchemy Core 2: a SQLite file by default, PostgreSQL by URL.

Core rather than the ORM: the store is a few tables and a handful of statements, and the
upsert and the failure-rate query are clearer written as SQL than mapped through objects.

A store is opened with the audit keys (``signing.py``) that its chained appends sign with:
the decisions, the outcomes and the model approvals. Their appends, reads and checks are the
modules beside this one (``audit.py``, ``outcome_audit.py``, ``model_audit.py``,
``verify.py``), which share the store's engine; callers reach them only through its methods.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, case, delete, func, insert, select
from sqlalchemy.engine import URL

from cipipe.adapters.history import audit, model_audit, reads, verify
from cipipe.adapters.history.audit_records import CHAIN_NAMES
from cipipe.adapters.history.connection import (
    DatabaseUnreachable,
    create_history_engine,
    database_errors,
    database_url,
    masked,
)
from cipipe.adapters.history.interface import (
    BUILD_RESULTS,
    BUILD_SOURCES,
    BuildKey,
    BuildRecord,
    FailureRate,
    HistoryError,
    ModuleFailures,
    Outcome,
    OutcomeResult,
)
from cipipe.adapters.history.outcome_audit import append_outcome
from cipipe.adapters.history.reads import failed_build
from cipipe.adapters.history.schema import (
    SCHEMA_VERSION,
    build_modules,
    builds,
    migrate,
)
from cipipe.adapters.history.signing import AuditKeys

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

    from cipipe.adapters.history.audit_records import (
        ChainReport,
        Claim,
        DecisionMode,
        DecisionRecord,
        Head,
        StoredDecision,
        StoredModelEvent,
    )
    from cipipe.adapters.history.training import StoredBuild

log = logging.getLogger("cipipe.history")

# Fields that a later record leaves alone when it does not know them (a Jenkins backfill of a
# build that cipipe recorded while building knows no risk inputs).
_KEEP_WHEN_NULL = ("commit", "branch", "author", "risk_inputs")


def open_store(
    url: str | None,
    *,
    default_path: Path,
    attempts: int = 3,
    backoff_seconds: float = 1.0,
    keys: AuditKeys | None = None,
    durable: bool = True,
) -> SqlAlchemyHistoryStore:
    """Open (creating or migrating) the history store at ``url`` (from ``--db`` or
    ``CIPIPE_DB``): a plain path is SQLite at that path, None is SQLite at ``default_path``.
    ``keys`` sign what the store appends to its chained logs (None: nothing is signed).
    ``durable=False``: commits to SQLite are not synced (``create_history_engine``).

    A database server that is still starting is retried ``attempts`` times with doubling
    waits; a wrong password or an unusable file is not, since waiting does not fix it.
    """
    target = database_url(url, default_path=default_path)
    engine = create_history_engine(target, durable=durable)
    tries = max(1, attempts) if target.get_backend_name() == "postgresql" else 1
    try:
        for attempt in range(1, tries + 1):
            try:
                with database_errors(target, "open"), engine.begin() as conn:
                    found = migrate(conn, where=masked(target))
                break
            except DatabaseUnreachable as exc:
                if not exc.retryable:
                    raise
                if attempt == tries:
                    if tries == 1:
                        raise
                    raise DatabaseUnreachable(
                        f"{exc} (after {tries} attempts)", retryable=False
                    ) from None
                delay = backoff_seconds * 2 ** (attempt - 1)
                log.warning("%s; retrying in %.1fs (%d of %d)", exc, delay, attempt, tries)
                time.sleep(delay)
    except BaseException:
        engine.dispose()
        raise
    if found < SCHEMA_VERSION:
        log.info("history database %s: schema %d -> %d", masked(target), found, SCHEMA_VERSION)
    return SqlAlchemyHistoryStore(engine, target, keys)


class SqlAlchemyHistoryStore:
    def __init__(self, engine: Engine, url: URL, keys: AuditKeys | None = None) -> None:
        self._engine = engine
        self._url = url
        self.url = masked(url)
        self.audit_keys = keys or AuditKeys.none()

    @property
    def engine(self) -> Engine:
        """For the audit log, which shares the store's connections and locking."""
        return self._engine

    @property
    def database_url(self) -> URL:
        return self._url

    def __enter__(self) -> SqlAlchemyHistoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    def record_build(self, build: BuildRecord) -> None:
        _check(build.result, BUILD_RESULTS, "result")
        _check(build.source, BUILD_SOURCES, "source")
        values: dict[str, Any] = {
            "service": build.service,
            "build_id": build.build_id,
            "commit": build.commit,
            "branch": build.branch,
            "author": build.author,
            "started_at": build.started_at,
            "result": build.result,
            "source": build.source,
            "risk_inputs": None
            if build.risk_inputs is None
            else json.dumps(dict(build.risk_inputs), sort_keys=True, default=str),
        }
        with database_errors(self._url, "record a build"), self._engine.begin() as conn:
            pk = _upsert_build(conn, values)
            if build.modules:
                conn.execute(delete(build_modules).where(build_modules.c.build_pk == pk))
                conn.execute(
                    insert(build_modules),
                    [{"build_pk": pk, "module": m} for m in sorted(set(build.modules))],
                )

    def record_outcome(
        self,
        service: str,
        build_id: str,
        result: OutcomeResult,
        at: datetime,
        note: str | None = None,
        *,
        recorded_by: str | None = None,
    ) -> Head:
        """Chained and signed like the decisions (``outcome_audit.py``)."""
        return append_outcome(self, service, build_id, result, at, note, recorded_by=recorded_by)

    def failure_rate(
        self, service: str, module: str, *, window_days: int | None, now: datetime
    ) -> FailureRate:
        if window_days is not None and window_days < 0:
            raise HistoryError(
                f"window of {window_days} days", field="window_days", expected="0 or more"
            )
        query = (
            select(func.count(builds.c.id), func.coalesce(func.sum(failed_build()), 0))
            .select_from(builds.join(build_modules, build_modules.c.build_pk == builds.c.id))
            .where(
                builds.c.service == service,
                build_modules.c.module == module,
                builds.c.started_at <= now,
            )
        )
        if window_days is not None:
            query = query.where(builds.c.started_at >= now - timedelta(days=window_days))
        with database_errors(self._url, "read failure rates"), self._engine.begin() as conn:
            total, bad = conn.execute(query).one()
        total, bad = int(total), int(bad)
        return FailureRate(failed=bad, total=total, rate=bad / total if total else None)

    def builds(self, service: str, limit: int = 50) -> list[BuildRecord]:
        _check_limit(limit, "limit")
        with database_errors(self._url, "list builds"), self._engine.begin() as conn:
            return reads.records(conn, reads.newest_rows(conn, service, limit))

    def latest_builds(self, services: Sequence[str], limit: int) -> list[BuildRecord]:
        _check_limit(limit, "--limit")
        with database_errors(self._url, "read builds"), self._engine.begin() as conn:
            rows = [row for s in services for row in reads.newest_rows(conn, s, limit)]
            return reads.records(conn, rows, strict=False)

    def services(self) -> list[str]:
        with database_errors(self._url, "list services"), self._engine.begin() as conn:
            return reads.service_names(conn)

    def build_sources(self, keys: Iterable[BuildKey] | None = None) -> dict[str, int]:
        with database_errors(self._url, "count builds"), self._engine.begin() as conn:
            return reads.build_sources(conn, None if keys is None else set(keys))

    def outcomes_of(self, keys: Iterable[BuildKey]) -> dict[BuildKey, list[Outcome]]:
        with database_errors(self._url, "list outcomes"), self._engine.begin() as conn:
            return reads.outcomes_of(conn, keys)

    def module_failures(
        self, services: Sequence[str], *, since: datetime, now: datetime
    ) -> list[ModuleFailures]:
        with database_errors(self._url, "read failure rates"), self._engine.begin() as conn:
            return reads.module_failures(conn, services, since=since, now=now)

    def training_builds(self) -> list[StoredBuild]:
        with database_errors(self._url, "read builds"), self._engine.begin() as conn:
            return reads.every_build(conn)

    def decisions(
        self,
        service: str | None = None,
        mode: DecisionMode | None = None,
        since: datetime | None = None,
        *,
        build_id: str | None = None,
    ) -> list[StoredDecision]:
        return audit.all_decisions(self, service, mode, since, build_id=build_id)

    def model_approvals(self, version: str | None = None) -> list[StoredModelEvent]:
        return model_audit.model_events(self, version)

    def append_decision(self, record: DecisionRecord) -> Head:
        return audit.append_decision(self, record)

    def append_model_event(
        self, version: str, state: str, by: str, at: datetime, record: Mapping[str, object]
    ) -> Head:
        return model_audit.append_model_event(self, version, state, by, at, record)

    def chain_heads(self) -> dict[str, Head]:
        return verify.chain_heads(self)

    def verify_chains(
        self,
        claims: Iterable[tuple[str, Claim]] = (),
        *,
        require_signed: bool = False,
        only: Sequence[str] = CHAIN_NAMES,
    ) -> list[ChainReport]:
        return verify.verify_chains(self, claims, require_signed=require_signed, only=only)


def _upsert_build(conn: Connection, values: dict[str, Any]) -> int:
    """Insert or update by (service, build_id) in one statement, so concurrent writers of the
    same build cannot both insert. Unknown fields and an "unknown" result keep what is known.
    Only the dialect in use is imported: an SQLite store never loads the PostgreSQL one."""
    stmt: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        stmt = postgresql_insert(builds).values(values)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(builds).values(values)
    new = stmt.excluded
    updates: dict[str, Any] = {
        "started_at": new.started_at,
        "result": case((new.result == "unknown", builds.c.result), else_=new.result),
    }
    updates.update({name: func.coalesce(new[name], builds.c[name]) for name in _KEEP_WHEN_NULL})
    upsert = stmt.on_conflict_do_update(
        index_elements=[builds.c.service, builds.c.build_id], set_=updates
    ).returning(builds.c.id)
    return int(conn.execute(upsert).scalar_one())


def _check_limit(limit: int, field: str) -> None:
    if limit < 1:
        raise HistoryError(f"limit {limit}", field=field, expected="1 or more")


def _check(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise HistoryError(f"{value!r}", field=field, expected=" | ".join(allowed))
