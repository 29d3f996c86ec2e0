"""The store's many-at-once reads that the dashboard and the shadow report ask for instead of
querying the tables: the same tests on every backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import DecisionRecord
from cipipe.adapters.history.interface import HistoryError, ModuleFailures
from cipipe.adapters.history.model_audit import append_model_event
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore
from tests.support.historydb import NOW, Backend, build, run_sql


def decision(service: str, build_id: str, minutes: int, mode: Any) -> DecisionRecord:
    return DecisionRecord(
        service=service,
        build_id=build_id,
        decided_at=NOW + timedelta(minutes=minutes),
        decided_by="jenkins",
        mode=mode,
        policy_version="policy-7",
        model_version=None,
        risk_score=0.5,
        strategy="canary",
        document={"decision": {"recommended_strategy": "canary"}},
    )


def test_services_are_the_services_with_builds_sorted(store: SqlAlchemyHistoryStore) -> None:
    assert store.services() == []
    for service in ("web", "api", "web", "billing"):
        store.record_build(build(f"{service}-1", service=service))
    assert store.services() == ["api", "billing", "web"]


def test_latest_builds_service_by_service_newest_first(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("1", days_ago=3, modules=("net", "core")))
    store.record_build(build("2", days_ago=2))
    store.record_build(build("3", days_ago=1, risk_inputs={"targets": ["linux-x86_64"]}))
    store.record_build(build("9", service="api", days_ago=5))
    store.record_build(build("10", service="other"))

    found = store.latest_builds(["gateway", "api"], 2)

    assert [(b.service, b.build_id) for b in found] == [
        ("gateway", "3"),
        ("gateway", "2"),
        ("api", "9"),
    ]
    assert found[0].risk_inputs == {"targets": ["linux-x86_64"]}
    assert found[0].modules == ("net",)
    assert [b.modules for b in store.latest_builds(["gateway"], 5)][-1] == ("core", "net")
    assert store.latest_builds([], 5) == []


def test_latest_builds_read_risk_inputs_that_are_no_object_as_none(
    store: SqlAlchemyHistoryStore, backend: Backend
) -> None:
    """Written by hand or by an older tool: the dashboard shows the build without platforms
    rather than failing."""
    for n in range(1, 4):
        store.record_build(build(str(n), days_ago=n, risk_inputs={"targets": ["a"]}))
    run_sql(
        backend,
        "UPDATE builds SET risk_inputs = 'not json' WHERE build_id = '1'",
        "UPDATE builds SET risk_inputs = '[1, 2]' WHERE build_id = '2'",
    )
    found = {b.build_id: b.risk_inputs for b in store.latest_builds(["gateway"], 5)}
    assert found == {"1": None, "2": None, "3": {"targets": ["a"]}}


def test_latest_builds_refuse_a_limit_below_one(store: SqlAlchemyHistoryStore) -> None:
    with pytest.raises(HistoryError) as caught:
        store.latest_builds(["gateway"], 0)
    assert caught.value.field == "--limit"


def test_outcomes_of_many_builds_oldest_first(store: SqlAlchemyHistoryStore) -> None:
    for service, build_id in [("gateway", "1"), ("gateway", "2"), ("api", "1"), ("api", "3")]:
        store.record_build(build(build_id, service=service))
    store.record_outcome("gateway", "1", "rollback", NOW, "late", recorded_by="sre")
    store.record_outcome("gateway", "1", "ok", NOW - timedelta(hours=1))
    store.record_outcome("api", "1", "hotfix", NOW)  # same build id, another service
    store.record_outcome("api", "3", "ok", NOW)  # not asked for

    found = store.outcomes_of([("gateway", "1"), ("gateway", "2"), ("api", "2")])

    assert list(found) == [("gateway", "1")]  # only builds that have outcomes
    assert [(o.result, o.at, o.note, o.recorded_by) for o in found[("gateway", "1")]] == [
        ("ok", NOW - timedelta(hours=1), None, None),
        ("rollback", NOW, "late", "sre"),
    ]
    assert {o.service for o in found[("gateway", "1")]} == {"gateway"}
    assert store.outcomes_of([]) == {}


def test_outcomes_of_more_builds_than_one_query_holds(store: SqlAlchemyHistoryStore) -> None:
    keys = [("gateway", str(n)) for n in range(1, 1203)]
    for _, build_id in keys:
        store.record_build(build(build_id, modules=()))
    for _, build_id in keys[::100]:
        store.record_outcome("gateway", build_id, "ok", NOW)
    assert sorted(store.outcomes_of(keys)) == sorted(keys[::100])


def test_module_failures_count_like_failure_rate(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(build("1", days_ago=1, modules=("net", "core")))
    store.record_build(build("2", days_ago=2, result="failure"))
    store.record_build(build("3", days_ago=3, modules=("core",)))
    store.record_build(build("4", days_ago=40))  # before the window
    store.record_build(build("5", days_ago=-1))  # after now
    store.record_build(build("6", service="api", modules=("db",)))
    store.record_build(build("7", service="other"))
    store.record_outcome("gateway", "3", "slo-breach", NOW)
    store.record_outcome("gateway", "1", "hotfix", NOW)

    found = store.module_failures(["gateway", "api"], since=NOW - timedelta(days=30), now=NOW)

    assert sorted(found, key=lambda m: (m.service, m.module)) == [
        ModuleFailures("api", "db", failed=0, total=1),
        ModuleFailures("gateway", "core", failed=1, total=2),
        ModuleFailures("gateway", "net", failed=1, total=2),
    ]
    for m in found:
        rate = store.failure_rate(m.service, m.module, window_days=30, now=NOW)
        assert (rate.failed, rate.total) == (m.failed, m.total)


def test_decisions_by_service_mode_and_time(store: SqlAlchemyHistoryStore) -> None:
    append_decision(store, decision("gateway", "1", 0, "shadow"))
    append_decision(store, decision("api", "1", 1, "shadow"))
    append_decision(store, decision("gateway", "2", 2, "enforce"))
    append_decision(store, decision("gateway", "3", 3, "shadow"))

    def keys(**query: Any) -> list[tuple[str, str, int]]:
        return [(s.decision.service, s.decision.build_id, s.id) for s in store.decisions(**query)]

    assert keys() == [
        ("gateway", "1", 1),
        ("api", "1", 2),
        ("gateway", "2", 3),
        ("gateway", "3", 4),
    ]
    assert keys(service="gateway", mode="shadow") == [("gateway", "1", 1), ("gateway", "3", 4)]
    assert keys(mode="enforce") == [("gateway", "2", 3)]
    assert keys(since=NOW + timedelta(minutes=2)) == [("gateway", "2", 3), ("gateway", "3", 4)]
    assert store.decisions("billing") == []
    append_decision(store, decision("api", "2", 4, "enforce"))
    assert keys(build_id="1") == [("gateway", "1", 1), ("api", "1", 2)]
    assert keys(service="api", build_id="1") == [("api", "1", 2)]
    assert keys(build_id="nope") == []


def test_model_approvals_in_chain_order_of_one_version(store: SqlAlchemyHistoryStore) -> None:
    assert store.model_approvals() == []
    for n, (version, state) in enumerate([("m-1", "approved"), ("m-2", "approved"),
                                          ("m-1", "retired")]):  # fmt: skip
        record = {"previous_approved": None, "n": n}
        append_model_event(store, version, state, "ana", NOW + timedelta(minutes=n), record)

    every = store.model_approvals()
    assert [(e.id, e.version, e.state) for e in every] == [
        (1, "m-1", "approved"),
        (2, "m-2", "approved"),
        (3, "m-1", "retired"),
    ]
    assert [(e.id, e.state) for e in store.model_approvals("m-1")] == [
        (1, "approved"),
        (3, "retired"),
    ]
    assert store.model_approvals("m-9") == []


def test_training_builds_every_build_oldest_first_with_outcomes(
    store: SqlAlchemyHistoryStore,
) -> None:
    store.record_build(build("2", days_ago=1, author="ana", risk_inputs={"files_changed": 3}))
    store.record_build(build("1", days_ago=2, service="api", result="failure"))
    store.record_build(build("3", days_ago=1))  # same start as 2, recorded later
    store.record_outcome("gateway", "2", "rollback", NOW)
    store.record_outcome("gateway", "2", "ok", NOW - timedelta(hours=2))

    found = store.training_builds()

    assert [(b.service, b.build_id, b.result) for b in found] == [
        ("api", "1", "failure"),
        ("gateway", "2", "success"),
        ("gateway", "3", "success"),
    ]
    assert (found[1].author, found[1].risk_inputs) == ("ana", {"files_changed": 3})
    assert found[1].started_at == NOW - timedelta(days=1)
    assert found[1].outcomes == [("ok", NOW - timedelta(hours=2)), ("rollback", NOW)]
    assert found[0].outcomes == [] and found[0].risk_inputs is None
