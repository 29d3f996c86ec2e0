"""Recording builds and outcomes and reading failure rates: the same tests on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cipipe.adapters.history.interface import FailureRate, HistoryError
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore
from cipipe.errors import ExitCode
from tests.support.historydb import NOW, build, build_outcomes


def test_record_and_list_newest_first(store: SqlAlchemyHistoryStore) -> None:
    first = build(
        "41",
        days_ago=2,
        commit="a" * 40,
        branch="main",
        author="Ada Lovelace",
        modules=("net", "core", "net"),
        risk_inputs={"files_changed": 12, "owners": ["net-team"]},
    )
    store.record_build(first)
    store.record_build(build("42", days_ago=1, result="failure", source="jenkins"))
    store.record_build(build("7", service="billing"))

    listed = store.builds("gateway")
    assert [b.build_id for b in listed] == ["42", "41"]
    older = listed[1]
    assert older.modules == ("core", "net")
    assert older.risk_inputs == {"files_changed": 12, "owners": ["net-team"]}
    assert (older.commit, older.branch, older.author) == ("a" * 40, "main", "Ada Lovelace")
    assert older.started_at == first.started_at
    assert older.started_at.tzinfo is not None
    assert (listed[0].result, listed[0].source) == ("failure", "jenkins")
    assert [b.build_id for b in store.builds("gateway", limit=1)] == ["42"]


def test_times_in_other_zones_are_the_same_instant(store: SqlAlchemyHistoryStore) -> None:
    tokyo = datetime(2026, 2, 27, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    store.record_build(build("1", started_at=tokyo))
    (stored,) = store.builds("gateway")
    assert stored.started_at == tokyo
    assert stored.started_at.utcoffset() == timedelta(0)


def test_upsert_by_service_and_build_id(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(
        build("9", result="unknown", commit="c" * 40, risk_inputs={"score": 3}, modules=("a",))
    )
    # The same build again, from a source that knows less: the verdict wins, gaps keep values.
    store.record_build(build("9", result="failure", source="jenkins", modules=()))
    (row,) = store.builds("gateway")
    assert (row.result, row.commit, row.modules) == ("failure", "c" * 40, ("a",))
    assert row.risk_inputs == {"score": 3}
    assert row.source == "cipipe"

    store.record_build(build("9", result="unknown", modules=("b", "c")))
    (row,) = store.builds("gateway")
    assert row.result == "failure", "an unknown result must not erase a verdict"
    assert row.modules == ("b", "c")


def test_outcomes(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("12"))
    store.record_outcome("gateway", "12", "rollback", NOW, "p99 doubled", recorded_by="oncall")
    store.record_outcome("gateway", "12", "hotfix", NOW + timedelta(hours=2))
    outcomes = build_outcomes(store, "gateway", "12")
    assert [(o.result, o.note, o.recorded_by) for o in outcomes] == [
        ("rollback", "p99 doubled", "oncall"),
        ("hotfix", None, None),
    ]
    assert outcomes[0].at == NOW
    assert build_outcomes(store, "gateway", "13") == []


def test_outcome_for_unknown_build_names_it(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("12"))
    with pytest.raises(HistoryError, match=r"unknown build '99' of service 'gateway'") as err:
        store.record_outcome("gateway", "99", "ok", NOW, None)
    assert err.value.exit_code == ExitCode.BAD_INPUT
    with pytest.raises(HistoryError, match="unknown build '12' of service 'billing'"):
        store.record_outcome("billing", "12", "ok", NOW, None)


def test_failure_rate_counts_failures_and_bad_outcomes(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("1", days_ago=1))
    store.record_build(build("2", days_ago=2, result="failure"))
    store.record_build(build("3", days_ago=3))  # shipped, then rolled back
    store.record_build(build("4", days_ago=4))  # shipped, breached an SLO
    store.record_build(build("5", days_ago=5))  # shipped, hotfixed: not a failure of the build
    store.record_build(build("6", days_ago=6, result="aborted"))
    store.record_build(build("7", days_ago=7, result="unstable", modules=("net", "core")))
    store.record_build(build("8", days_ago=40, result="failure"))  # outside a 30-day window
    store.record_build(build("9", days_ago=1, result="failure", modules=("core",)))
    store.record_build(build("10", days_ago=1, result="failure", service="billing"))
    store.record_build(build("11", days_ago=-1, result="failure"))  # after "now"
    store.record_outcome("gateway", "3", "rollback", NOW, "bad deploy")
    store.record_outcome("gateway", "3", "rollback", NOW, "again: counted once")
    store.record_outcome("gateway", "4", "slo-breach", NOW, None)
    store.record_outcome("gateway", "5", "hotfix", NOW, None)
    store.record_outcome("gateway", "1", "ok", NOW, None)

    month = store.failure_rate("gateway", "net", window_days=30, now=NOW)
    assert (month.failed, month.total) == (3, 7)
    assert month.rate == pytest.approx(3 / 7)
    ever = store.failure_rate("gateway", "net", window_days=None, now=NOW)
    assert (ever.failed, ever.total) == (4, 8)
    assert store.failure_rate("gateway", "core", window_days=30, now=NOW) == FailureRate(1, 2, 0.5)
    assert store.failure_rate("gateway", "net", window_days=2, now=NOW) == FailureRate(1, 2, 0.5)
    assert store.failure_rate("gateway", "ui", window_days=30, now=NOW) == FailureRate(0, 0, None)
    assert store.failure_rate("billing", "net", window_days=None, now=NOW) == FailureRate(1, 1, 1.0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"result": "exploded"}, "result"), ({"source": "gitlab"}, "source")],
)
def test_bad_values_are_refused(
    store: SqlAlchemyHistoryStore, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(HistoryError, match=field) as err:
        store.record_build(build("1", **fields))
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert store.builds("gateway") == []


def test_bad_arguments_are_refused(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("1"))
    with pytest.raises(HistoryError, match="result"):
        store.record_outcome("gateway", "1", "meh", NOW)  # type: ignore[arg-type]
    with pytest.raises(HistoryError, match="window_days"):
        store.failure_rate("gateway", "net", window_days=-1, now=NOW)
    with pytest.raises(HistoryError, match="limit"):
        store.builds("gateway", limit=0)
