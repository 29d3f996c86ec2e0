"""Signals labelled by the policy's windows and recorded once, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from cipipe.contracts.outcome_sync import OutcomeSync, Windows
from cipipe.steps.outcome_sync.kubernetes import read_signals
from cipipe.steps.outcome_sync.sync import sync
from tests.steps.outcome_sync.helpers import annotated, canary, healthy, upstream
from tests.support.historydb import Backend, build, build_outcomes

WINDOWS = Windows(rollback_within=48 * 3600, stable_for=72 * 3600, unsignalled_is_ok=False)
ABORTED_AT = datetime(2020, 9, 22, 9, 10, 5, tzinfo=UTC)


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    opened = open_store(backend.url, default_path=tmp_path / "unused.db")
    try:
        yield opened
    finally:
        opened.close()


def run(
    store: SqlAlchemyHistoryStore,
    document: dict[str, object],
    now: datetime,
    source: str = "argo-rollouts",
    windows: Windows = WINDOWS,
) -> OutcomeSync:
    signals = read_signals(document, source, "doc.json")
    return sync(
        signals,
        store,
        source=source,  # type: ignore[arg-type]
        read_from="doc.json",
        windows=windows,
        policy_version="sha256:test",
        now=now,
    )


def at(moment: datetime, build_id: str, days_before: float = 0.5, **fields: Any) -> BuildRecord:
    return build(build_id, started_at=moment - timedelta(days=days_before), **fields)


def test_an_aborted_rollout_is_recorded_once_with_its_evidence(
    store: SqlAlchemyHistoryStore,
) -> None:
    store.record_build(at(ABORTED_AT, "41"))
    document = annotated(upstream("rollout-aborted"), "gateway", "41", decision="ab" * 32)
    first = run(store, document, ABORTED_AT + timedelta(hours=1))
    assert [(e.build_id, e.result, e.matched_by) for e in first.recorded] == [
        ("41", "rollback", "annotation")
    ]
    [outcome] = build_outcomes(store, "gateway", "41")
    assert outcome.result == "rollback"
    assert outcome.at == ABORTED_AT
    assert outcome.recorded_by == "cipipe outcome sync --from argo-rollouts"
    assert outcome.note is not None and "analysis run" in outcome.note
    assert f"decision {'ab' * 32}" in outcome.note
    again = run(store, document, ABORTED_AT + timedelta(days=2))
    assert again.recorded == [] and [e.build_id for e in again.known] == ["41"]
    assert len(build_outcomes(store, "gateway", "41")) == 1


def test_a_rollout_is_matched_by_the_image_tag_when_not_annotated(
    store: SqlAlchemyHistoryStore,
) -> None:
    moment = datetime(2019, 10, 28, 4, 52, 55, tzinfo=UTC)
    store.record_build(at(moment, "1234"))
    document = upstream("canary-progress-deadline")
    document["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "reg.io/ci/gateway:3f2a9c1-1234"
    )
    report = run(store, document, moment + timedelta(hours=1))
    assert [(e.build_id, e.matched_by) for e in report.recorded] == [("1234", "image")]


def test_an_unknown_build_is_unmatched_and_nothing_is_recorded(
    store: SqlAlchemyHistoryStore,
) -> None:
    store.record_build(at(ABORTED_AT, "41"))
    report = run(store, upstream("rollout-aborted"), ABORTED_AT)
    assert report.recorded == [] and len(report.unmatched) == 1
    assert "rollouts-demo:yellow" in (report.unmatched[0].reason or "")
    report = run(store, annotated(upstream("rollout-aborted"), "gateway", "99"), ABORTED_AT)
    assert "'99'" in (report.unmatched[0].reason or "")
    assert build_outcomes(store, "gateway", "41") == []


def test_healthy_is_pending_until_the_stable_window_then_ok(
    store: SqlAlchemyHistoryStore,
) -> None:
    since = datetime(2026, 3, 1, tzinfo=UTC)
    store.record_build(at(since, "50"))
    document = annotated(
        healthy(upstream("bluegreen-paused"), "2026-03-01T00:00:00Z"), "gateway", "50"
    )
    early = run(store, document, since + timedelta(hours=71))
    assert early.recorded == [] and "71.0h" in (early.pending[0].reason or "")
    late = run(store, document, since + timedelta(hours=73))
    assert [e.result for e in late.recorded] == ["ok"]
    assert build_outcomes(store, "gateway", "50")[0].at == since + timedelta(hours=72)


def test_a_paused_rollout_is_pending_and_never_a_label(store: SqlAlchemyHistoryStore) -> None:
    store.record_build(at(ABORTED_AT, "42"))
    report = run(store, annotated(upstream("bluegreen-paused"), "gateway", "42"), ABORTED_AT)
    assert [e.build_id for e in report.pending] == ["42"]
    assert build_outcomes(store, "gateway", "42") == []


def test_a_rollback_after_the_rollback_window_is_late_not_a_label(
    store: SqlAlchemyHistoryStore,
) -> None:
    store.record_build(at(ABORTED_AT, "43", days_before=3))
    report = run(store, annotated(upstream("rollout-aborted"), "gateway", "43"), ABORTED_AT)
    assert [e.build_id for e in report.late] == ["43"] and report.recorded == []
    assert build_outcomes(store, "gateway", "43") == []


def test_a_later_disagreeing_signal_is_recorded_beside_the_first_as_a_conflict(
    store: SqlAlchemyHistoryStore,
) -> None:
    promoted = datetime(2019, 7, 10, 8, 23, 18, tzinfo=UTC)
    store.record_build(at(promoted, "7"))
    status = upstream("flagger-succeeded-status")["status"]
    failed = dict(status, phase="Failed", lastTransitionTime="2019-07-10T08:00:00Z")
    first = run(store, canary(failed, "gateway", "7"), promoted, "flagger")
    assert [e.result for e in first.recorded] == ["rollback"] and first.conflicts == []
    later = run(store, canary(status, "gateway", "7"), promoted + timedelta(days=4), "flagger")
    assert [e.result for e in later.recorded] == ["ok"]
    assert [(e.build_id, e.earlier) for e in later.conflicts] == [("7", ["rollback"])]
    assert [o.result for o in build_outcomes(store, "gateway", "7")] == ["rollback", "ok"]
    again = run(store, canary(status, "gateway", "7"), promoted + timedelta(days=5), "flagger")
    assert again.recorded == [] and again.conflicts == [] and len(again.known) == 1


def test_unsignalled_builds_become_ok_only_when_the_policy_says_so(
    store: SqlAlchemyHistoryStore,
) -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    store.record_build(at(now, "60", days_before=0.1))
    store.record_build(at(now, "61", days_before=5))
    store.record_build(at(now, "62", days_before=5, result="failure"))
    document = annotated(upstream("bluegreen-paused"), "gateway", "60")
    off = run(store, document, now)
    assert off.recorded == []
    on = Windows(rollback_within=48 * 3600, stable_for=72 * 3600, unsignalled_is_ok=True)
    report = run(store, document, now, windows=on)
    assert [(e.build_id, e.result, e.matched_by) for e in report.recorded] == [
        ("61", "ok", "no-signal")
    ]
    assert build_outcomes(store, "gateway", "62") == []
    assert run(store, document, now, windows=on).recorded == []
