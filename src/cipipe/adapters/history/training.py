"""Every build with what was recorded after it, read-only, for ``cipipe model train --from-db``
and for the decisions of the model it trains (decide-strategy, ``cipipe model serve``).

The model's features need more than one row per labelled build: an author's reliability is
judged on the builds before, whether or not those were labelled, and only by what was known
when a build started. So this returns every build, oldest first, with its outcomes and their
times; which ones become training rows is the risk layer's choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.interface import HistoryStore, OutcomeResult
from cipipe.adapters.history.schema import builds, outcomes
from cipipe.errors import InputError


@dataclass(frozen=True)
class StoredBuild:
    service: str
    build_id: str
    started_at: datetime
    result: str
    author: str | None
    risk_inputs: dict[str, Any] | None
    outcomes: list[tuple[OutcomeResult, datetime]] = field(default_factory=list)


def stored_builds(store: HistoryStore) -> list[StoredBuild]:
    """All builds oldest first (ties: in the order they were recorded), each with its outcomes
    oldest first."""
    from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore

    if not isinstance(store, SqlAlchemyHistoryStore):
        raise InputError("--from-db needs an SQL history store", field="--db")
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
    with database_errors(store.database_url, "read builds"), store.engine.begin() as conn:
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
