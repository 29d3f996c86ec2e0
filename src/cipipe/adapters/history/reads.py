"""The SQL of the store's many-at-once reads (the dashboard, the shadow report), kept beside
``sqlalchemy_store.py`` so that the store stays one screen of methods and no step needs the
tables: a step asks ``HistoryStore``, and only this package knows the schema."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Connection, Row, case, exists, func, or_, select

from cipipe.adapters.history.interface import (
    BAD_OUTCOMES,
    BuildKey,
    BuildRecord,
    ModuleFailures,
    Outcome,
    OutcomeResult,
)
from cipipe.adapters.history.schema import build_modules, builds, outcomes
from cipipe.adapters.history.training import StoredBuild

# Bound parameters per IN list: SQLite allows a few thousand per statement on older builds.
_CHUNK = 500


def failed_build() -> ColumnElement[int]:
    """1 for a build that went wrong: its own result failed, or a rollback or SLO breach was
    recorded after it shipped; 0 otherwise. The one definition failure rates count with."""
    went_bad = exists().where(
        outcomes.c.build_pk == builds.c.id, outcomes.c.result.in_(BAD_OUTCOMES)
    )
    return case((or_(builds.c.result == "failure", went_bad), 1), else_=0)


def newest_rows(conn: Connection, service: str, limit: int) -> list[Row[Any]]:
    """The service's newest ``limit`` build rows, newest first (ties: the later recorded)."""
    query = (
        select(builds)
        .where(builds.c.service == service)
        .order_by(builds.c.started_at.desc(), builds.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).all())


def records(
    conn: Connection, rows: Sequence[Row[Any]], *, strict: bool = True
) -> list[BuildRecord]:
    """``rows`` of the builds table as records, with their modules sorted. ``strict``: risk
    inputs that are not JSON raise; otherwise risk inputs that are not a JSON object are None."""
    modules: dict[int, list[str]] = {row.id: [] for row in rows}
    for chunk in _chunks(list(modules)):
        for pk, module in conn.execute(
            select(build_modules.c.build_pk, build_modules.c.module)
            .where(build_modules.c.build_pk.in_(chunk))
            .order_by(build_modules.c.module)
        ):
            modules[pk].append(str(module))
    return [
        BuildRecord(
            service=row.service,
            build_id=row.build_id,
            started_at=row.started_at,
            result=row.result,
            source=row.source,
            commit=row.commit,
            branch=row.branch,
            author=row.author,
            modules=tuple(modules[row.id]),
            risk_inputs=_risk_inputs(row.risk_inputs, strict=strict),
        )
        for row in rows
    ]


def service_names(conn: Connection) -> list[str]:
    found = conn.execute(select(builds.c.service).distinct()).scalars().all()
    return sorted(str(s) for s in found)


def build_sources(conn: Connection, keys: set[BuildKey] | None) -> dict[str, int]:
    """Builds by source: of every build in one grouped count, else of ``keys`` a chunk of
    build ids at a time (a key's service is checked here, as in ``outcomes_of``)."""
    if keys is None:
        query = select(builds.c.source, func.count()).group_by(builds.c.source)
        return {str(source): int(n) for source, n in conn.execute(query)}
    counts: dict[str, int] = {}
    services = sorted({service for service, _ in keys})
    for chunk in _chunks(sorted({build_id for _, build_id in keys})):
        query = select(builds.c.service, builds.c.build_id, builds.c.source).where(
            builds.c.service.in_(services), builds.c.build_id.in_(chunk)
        )
        for service, build_id, source in conn.execute(query):
            if (str(service), str(build_id)) in keys:
                counts[str(source)] = counts.get(str(source), 0) + 1
    return counts


def outcomes_of(conn: Connection, keys: Iterable[BuildKey]) -> dict[BuildKey, list[Outcome]]:
    """The outcomes of each build in ``keys`` that has any, oldest first (ties: recorded
    first), read a chunk of build ids at a time."""
    wanted = set(keys)
    services = sorted({service for service, _ in wanted})
    found: dict[BuildKey, list[Outcome]] = {}
    for chunk in _chunks(sorted({build_id for _, build_id in wanted})):
        query = (
            select(builds.c.service, builds.c.build_id, outcomes)
            .join(builds, outcomes.c.build_pk == builds.c.id)
            .where(builds.c.service.in_(services), builds.c.build_id.in_(chunk))
            .order_by(outcomes.c.at, outcomes.c.id)
        )
        for row in conn.execute(query):
            key = (str(row.service), str(row.build_id))
            if key in wanted:
                found.setdefault(key, []).append(
                    Outcome(key[0], key[1], row.result, row.at, row.note, row.recorded_by)
                )
    return found


def module_failures(
    conn: Connection, services: Sequence[str], *, since: datetime, now: datetime
) -> list[ModuleFailures]:
    query = (
        select(
            builds.c.service,
            build_modules.c.module,
            func.count(builds.c.id),
            func.coalesce(func.sum(failed_build()), 0),
        )
        .select_from(builds.join(build_modules, build_modules.c.build_pk == builds.c.id))
        .where(
            builds.c.service.in_(list(services)),
            builds.c.started_at <= now,
            builds.c.started_at >= since,
        )
        .group_by(builds.c.service, build_modules.c.module)
    )
    return [
        ModuleFailures(str(s), str(m), failed=int(bad), total=int(total))
        for s, m, total, bad in conn.execute(query).all()
    ]


def every_build(conn: Connection) -> list[StoredBuild]:
    """All builds oldest first (ties: in the order they were recorded), each with its outcomes
    oldest first."""
    query_builds = select(
        builds.c.id,
        builds.c.service,
        builds.c.build_id,
        builds.c.started_at,
        builds.c.result,
        builds.c.author,
        builds.c.risk_inputs,
    ).order_by(builds.c.started_at, builds.c.id)
    query_outcomes = select(outcomes.c.build_pk, outcomes.c.result, outcomes.c.at).order_by(
        outcomes.c.at, outcomes.c.id
    )
    found = list(conn.execute(query_builds))
    after: dict[int, list[tuple[OutcomeResult, datetime]]] = {}
    for row in conn.execute(query_outcomes):
        after.setdefault(int(row.build_pk), []).append((row.result, row.at))
    return [
        StoredBuild(
            service=str(row.service),
            build_id=str(row.build_id),
            started_at=row.started_at,
            result=str(row.result),
            author=row.author,
            risk_inputs=json.loads(row.risk_inputs) if row.risk_inputs else None,
            outcomes=after.get(int(row.id), []),
        )
        for row in found
    ]


def _risk_inputs(text: str | None, *, strict: bool) -> Mapping[str, object] | None:
    if text is None:
        return None
    if strict:
        return cast("Mapping[str, object]", json.loads(text))
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


_T = TypeVar("_T")


def _chunks(items: list[_T], size: int = _CHUNK) -> list[list[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
