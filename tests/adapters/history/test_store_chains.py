"""The chained logs through the front door: every append, read and check that the steps and the
CLI make goes through a ``HistoryStore`` method, on SQLite and on PostgreSQL. Each test holds
the store as a ``HistoryStore`` (so mypy checks the SQL store keeps the interface) and shapes
nothing by hand but the tampering an insider would do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cipipe.adapters.history.audit_records import (
    CHAIN_NAMES,
    GENESIS_HASH,
    Claim,
    Head,
)
from cipipe.adapters.history.interface import BuildRecord, HistoryError, HistoryStore
from cipipe.adapters.history.signing import AuditKeys
from cipipe.adapters.history.sqlalchemy_store import open_store
from tests.support.historydb import Backend, build_outcomes, numbered_decision, run_sql

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = AuditKeys(b"k" * 40)


def _build(build_id: str) -> BuildRecord:
    return BuildRecord("gateway", build_id, NOW, "success", "cipipe", modules=("core",))


@pytest.fixture
def keyed(backend: Backend, tmp_path: Path) -> Iterator[HistoryStore]:
    """A store opened with the audit key, as decide-strategy and `outcome record` open it."""
    with open_store(backend.url, default_path=tmp_path / "unused.db", keys=KEY) as store:
        yield store


def test_an_empty_store_s_chains_stand_at_genesis(store: HistoryStore) -> None:
    assert store.chain_heads() == {name: Head(0, GENESIS_HASH) for name in CHAIN_NAMES}
    assert store.audit_keys.signing_key_id is None
    reports = store.verify_chains()
    assert [(r.name, r.records, r.problem) for r in reports] == [
        (name, 0, None) for name in CHAIN_NAMES
    ]


def test_appended_decisions_are_signed_read_back_and_are_the_head(keyed: HistoryStore) -> None:
    heads = [keyed.append_decision(numbered_decision(n, "shadow")) for n in (1, 2)]
    assert [(h.seq, h.key_id) for h in heads] == [(1, KEY.signing_key_id), (2, KEY.signing_key_id)]
    assert all(h.signature for h in heads)
    stored = keyed.decisions("gateway")
    assert [(s.hash, s.signature) for s in stored] == [(h.hash, h.signature) for h in heads]
    assert [s.decision for s in stored] == [
        numbered_decision(1, "shadow"),
        numbered_decision(2, "shadow"),
    ]
    assert keyed.chain_heads()["decisions"] == heads[-1]


def test_a_bad_decision_is_refused_and_nothing_is_appended(store: HistoryStore) -> None:
    bad = replace(numbered_decision(1, "shadow"), risk_score=float("inf"))
    with pytest.raises(HistoryError, match="risk_score"):
        store.append_decision(bad)
    assert store.chain_heads()["decisions"].seq == 0


def test_a_recorded_outcome_is_chained_and_returns_its_head(keyed: HistoryStore) -> None:
    keyed.record_build(_build("7"))
    first = keyed.record_outcome("gateway", "7", "ok", NOW, recorded_by="ana")
    second = keyed.record_outcome("gateway", "7", "rollback", NOW + timedelta(hours=1))
    assert (first.seq, second.seq) == (1, 2)
    assert second.key_id == KEY.signing_key_id and second.signature
    assert keyed.chain_heads()["outcomes"] == second
    assert [o.result for o in build_outcomes(keyed, "gateway", "7")] == ["ok", "rollback"]
    (report,) = keyed.verify_chains(only=("outcomes",))
    assert (report.records, report.checked, report.problem) == (2, 2, None)


def test_an_outcome_of_an_unknown_build_is_refused(store: HistoryStore) -> None:
    with pytest.raises(HistoryError, match="unknown build '8' of service 'gateway'"):
        store.record_outcome("gateway", "8", "ok", NOW)
    assert store.chain_heads()["outcomes"].seq == 0


def test_model_events_are_appended_and_read_back(keyed: HistoryStore) -> None:
    approved = keyed.append_model_event("m-1", "approved", "ana", NOW, {"auc": 0.8})
    retired = keyed.append_model_event("m-0", "retired", "ana", NOW, {"replaced_by": "m-1"})
    assert (approved.seq, retired.seq) == (1, 2)
    events = keyed.model_approvals()
    assert [(e.version, e.state, e.hash) for e in events] == [
        ("m-1", "approved", approved.hash),
        ("m-0", "retired", retired.hash),
    ]
    assert events[0].record == {"auc": 0.8}
    assert [e.version for e in keyed.model_approvals("m-0")] == ["m-0"]
    assert keyed.chain_heads()["model_approvals"] == retired
    with pytest.raises(HistoryError, match="state"):
        keyed.append_model_event("m-2", "adored", "ana", NOW, {})


def test_verify_chains_names_an_edited_record_and_a_rewritten_anchor(
    backend: Backend, keyed: HistoryStore
) -> None:
    heads = [keyed.append_decision(numbered_decision(n, "shadow")) for n in (1, 2, 3)]
    keyed.append_model_event("m-1", "approved", "ana", NOW, {})
    forged = Claim(2, "f" * 64, KEY.signing_key_id, "svc/102/audit-anchor.json")
    reports = keyed.verify_chains([("decisions", forged)], only=("model_approvals", "decisions"))
    assert [r.name for r in reports] == ["model_approvals", "decisions"]
    assert reports[0].problem is None and reports[0].checked == 1
    problem = reports[1].problem
    assert problem is not None and (problem.seq, problem.kind) == (2, "rewritten")
    honest = Claim(3, heads[2].hash, KEY.signing_key_id, "svc/103/audit-anchor.json")
    (intact,) = keyed.verify_chains([("decisions", honest)], only=("decisions",))
    assert intact.problem is None and intact.claims_agreeing == 1
    run_sql(backend, "UPDATE decisions SET strategy = 'big-bang' WHERE id = 2")
    (edited,) = keyed.verify_chains(only=("decisions",), require_signed=True)
    assert edited.problem is not None
    assert (edited.problem.seq, edited.problem.kind) == (2, "changed")
    assert str(edited.problem).startswith("decision 2 (build 102 of gateway): ")
