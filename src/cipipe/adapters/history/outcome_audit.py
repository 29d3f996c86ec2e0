"""Outcomes (what happened after a build shipped) as a chained, signed log, like the decisions.

An outcome is the label the risk model learns from and the evidence the shadow report judges
the policy by, so a quietly edited or removed "rollback" changes both. Since schema 5 every
outcome carries ``prev_hash``, ``hash`` and, with the audit key, a signature (``chain.py``);
the build is named by service and build_id in the hashed fields, while ``build_pk``, the join
key into ``builds``, is stored but not hashed (its value means nothing outside this database).
Removing a build removes its outcomes (ON DELETE CASCADE), which breaks this chain.

Anchored: every decision's anchor holds this chain's head, and ``cipipe outcome record``
anchors it again beside the build when the build is in the artifact store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Row

from cipipe.adapters.history import chain as _chain
from cipipe.adapters.history.chain import Head, SqlStore
from cipipe.adapters.history.connection import database_errors, masked
from cipipe.adapters.history.interface import OUTCOME_RESULTS, HistoryError, OutcomeResult
from cipipe.adapters.history.schema import builds
from cipipe.adapters.history.schema import outcomes as table

# Any fixed number other than the migration lock's and the other chains'.
_PG_OUTCOME_LOCK = 0x6F757463


def _describe(row: Row[tuple[object, ...]]) -> str:
    return f"{row.result} of build {row.build_id} of {row.service}"


CHAIN = _chain.Chain(
    table, "at", "outcome", _PG_OUTCOME_LOCK, "outcomes", _describe, not_hashed=("build_pk",)
)


def append_outcome(
    store: SqlStore,
    service: str,
    build_id: str,
    result: OutcomeResult,
    at: datetime,
    note: str | None = None,
    *,
    recorded_by: str | None = None,
) -> Head:
    """Add an outcome to a known build at the end of the chain; an unknown build is a
    HistoryError naming it. Returns the new head (place, hash, signature)."""
    if result not in OUTCOME_RESULTS:
        raise HistoryError(f"{result!r}", field="result", expected=" | ".join(OUTCOME_RESULTS))
    url = store.database_url
    with database_errors(url, "record an outcome"), store.engine.begin() as conn:
        pk = conn.execute(
            select(builds.c.id).where(builds.c.service == service, builds.c.build_id == build_id)
        ).scalar_one_or_none()
        if pk is None:
            raise HistoryError(
                f"unknown build {build_id!r} of service {service!r}",
                file=masked(url),
                expected="a build recorded by cipipe or imported from Jenkins",
            )
        values: dict[str, object] = {
            "build_pk": pk,
            "service": service,
            "build_id": build_id,
            "result": result,
            "at": at,
            "note": note,
            "recorded_by": recorded_by,
        }
        return _chain.append_in(conn, CHAIN, values, store.audit_keys)
