"""A backtest's labelled rows from the store (``--from-db``), on every backend: read through
``HistoryStore.training_builds``, the label from every outcome of a build."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.labelled import labelled_rows
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_labels_from_every_outcome_and_numbers_from_risk_inputs(
    store: SqlAlchemyHistoryStore,
) -> None:
    inputs = {
        "files_changed": {"value": 12, "status": "measured"},
        "coverage_delta": {"value": None, "status": "missing"},
        "criticality": {"value": "high"},
        "flaky": True,
    }
    for n, build_id in enumerate(["late-bad", "ok", "hotfix", "none"]):
        store.record_build(
            BuildRecord(
                service="api",
                build_id=build_id,
                started_at=NOW - timedelta(days=10 - n),
                result="success",
                source="cipipe",
                risk_inputs=inputs if build_id == "late-bad" else None,
            )
        )
    store.record_outcome("api", "late-bad", "ok", NOW)
    store.record_outcome("api", "late-bad", "rollback", NOW + timedelta(hours=1))
    store.record_outcome("api", "ok", "ok", NOW)
    store.record_outcome("api", "hotfix", "hotfix", NOW)

    rows = labelled_rows(store)

    assert rows.records == [
        {
            "build": "api/late-bad",
            "started_at": (NOW - timedelta(days=10)).isoformat(),
            "label": 1,
            "service": "api",
            "files_changed": 12.0,
        },
        {
            "build": "api/ok",
            "started_at": (NOW - timedelta(days=9)).isoformat(),
            "label": 0,
            "service": "api",
        },
    ]
    assert rows.criticality == {"api/late-bad": "high", "api/ok": "normal"}
    assert rows.unlabelled == 2
