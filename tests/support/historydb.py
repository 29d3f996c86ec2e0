"""A history database for a test, and SQL typed by hand into it: what an insider with database
access can do, for the tamper and migration tests; and the build record the store tests share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from cipipe.adapters.history.audit_records import DecisionMode, DecisionRecord
from cipipe.adapters.history.interface import BuildRecord, HistoryStore, Outcome


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


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def build(build_id: str, days_ago: float = 1, **fields: Any) -> BuildRecord:
    """A gateway build recorded by cipipe ``days_ago`` days before NOW; ``fields`` override."""
    values: dict[str, Any] = {
        "service": "gateway",
        "build_id": build_id,
        "started_at": NOW - timedelta(days=days_ago),
        "result": "success",
        "source": "cipipe",
        "modules": ("net",),
    }
    values.update(fields)
    return BuildRecord(**values)


def build_outcomes(store: HistoryStore, service: str, build_id: str) -> list[Outcome]:
    """The outcomes of one build, oldest first, as the shadow report and the dashboard read
    them (``outcomes_of``); none for a build without any."""
    return store.outcomes_of([(service, build_id)]).get((service, build_id), [])


def numbered_decision(n: int, mode: DecisionMode = "enforce") -> DecisionRecord:
    """The n-th of a run of gateway decisions, a minute apart from NOW (chain tests)."""
    return DecisionRecord(
        service="gateway",
        build_id=str(100 + n),
        decided_at=NOW + timedelta(minutes=n),
        decided_by="jenkins",
        mode=mode,
        policy_version="policy-7",
        model_version=None,
        risk_score=10.0 + n,
        strategy="canary",
        document={"n": n},
    )
