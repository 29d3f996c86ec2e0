"""Signed chains and the attacks a hash chain alone cannot see, on SQLite and PostgreSQL.

Each attack is what an insider with write access to the database but not the audit key can
do: remove the newest records, append a well-chained record, recompute the chain from some
record on, edit a record, strip the signatures. The signatures catch what they can; the
anchors' claims (the heads recorded outside the database) catch the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, insert, select, update

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import ChainReport, Claim, Head
from cipipe.adapters.history.interface import BuildRecord, HistoryError, OutcomeResult
from cipipe.adapters.history.model_audit import append_model_event
from cipipe.adapters.history.outcome_audit import append_outcome
from cipipe.adapters.history.schema import decisions as decisions_table
from cipipe.adapters.history.schema import outcomes as outcomes_table
from cipipe.adapters.history.signing import AuditKeys
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from cipipe.adapters.history.verify import chain_heads, verify_chains
from tests.support.auditchains import row_hash
from tests.support.historydb import Backend, build_outcomes, numbered_decision

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = AuditKeys(b"k" * 40)
OLD = AuditKeys(b"o" * 40)


def _open(backend: Backend, tmp_path: Path, keys: AuditKeys) -> SqlAlchemyHistoryStore:
    return open_store(backend.url, default_path=tmp_path / "unused.db", keys=keys)


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    """The insider's own connection to the database."""
    raw = create_engine(backend.raw_url)
    yield raw
    raw.dispose()


@pytest.fixture
def signed(backend: Backend, tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    """A store with the audit key and five signed decisions (builds 101 to 105)."""
    with _open(backend, tmp_path, KEY) as store:
        for n in range(1, 6):
            append_decision(store, numbered_decision(n))
        yield store


def _decisions(store: SqlAlchemyHistoryStore, claims: list[Claim] | None = None) -> ChainReport:
    pairs = [("decisions", c) for c in claims or []]
    (report,) = verify_chains(store, pairs, only=("decisions",))
    return report


def _claim(head: Head, source: str = "svc/105/audit-anchor.json") -> Claim:
    return Claim(head.seq, head.hash, head.key_id, source, "build 105 of gateway")


def test_signed_records_verify(signed: SqlAlchemyHistoryStore) -> None:
    head = append_decision(signed, numbered_decision(6))
    assert head.seq == 6 and head.key_id == KEY.signing_key_id and head.signature
    report = _decisions(signed, [_claim(head)])
    assert report.problem is None
    assert (report.records, report.checked, report.unsigned_before_signing) == (6, 6, 0)
    assert report.signed_by == {KEY.signing_key_id}
    assert report.newest_claim is not None and report.newest_claim.seq == 6


def test_an_unsigned_append_to_a_signed_chain_is_refused(
    backend: Backend, tmp_path: Path, signed: SqlAlchemyHistoryStore
) -> None:
    with _open(backend, tmp_path, AuditKeys.none()) as laptop:
        with pytest.raises(HistoryError, match="CIPIPE_AUDIT_KEY: the decision log is signed"):
            append_decision(laptop, numbered_decision(6))
        assert chain_heads(laptop)["decisions"].seq == 5


def test_a_rotated_key_still_verifies_the_old_records(backend: Backend, tmp_path: Path) -> None:
    with _open(backend, tmp_path, OLD) as store:
        append_decision(store, numbered_decision(1))
    rotated = AuditKeys(b"k" * 40, previous=(b"o" * 40,))
    with _open(backend, tmp_path, rotated) as store:
        append_decision(store, numbered_decision(2))
        report = _decisions(store)
        assert report.problem is None and report.checked == 2
        assert report.signed_by == {OLD.signing_key_id, KEY.signing_key_id}
    with _open(backend, tmp_path, KEY) as store:  # the old key forgotten
        problem = _decisions(store).problem
    assert problem is not None and (problem.seq, problem.kind) == (1, "unknown-key")
    assert f"signed with key {OLD.signing_key_id}, which is not set" in problem.detail


def test_deleting_the_newest_records_is_caught_by_an_anchor(
    signed: SqlAlchemyHistoryStore, engine: Engine
) -> None:
    anchored = chain_heads(signed)["decisions"]
    with engine.begin() as conn:
        conn.execute(delete(decisions_table).where(decisions_table.c.id >= 4))
    assert _decisions(signed).problem is None  # the chain alone cannot see it
    problem = _decisions(signed, [_claim(anchored)]).problem
    assert problem is not None
    assert (problem.seq, problem.kind) == (4, "missing")
    assert str(problem) == (
        "decision 4: the anchor svc/105/audit-anchor.json says the log held 5 decisions, "
        "the database holds 3: the newest were removed"
    )


def _forge(engine: Engine, n: int, prev: str, **signature: str | None) -> None:
    d = numbered_decision(n)
    row: dict[str, object] = {
        "service": d.service,
        "build_id": d.build_id,
        "decided_at": d.decided_at,
        "decided_by": "mallory",
        "mode": d.mode,
        "policy_version": d.policy_version,
        "model_version": None,
        "risk_score": 1.0,
        "strategy": "rolling",
        "record": "{}",
        "prev_hash": prev,
    }
    row["hash"] = row_hash(row)
    with engine.begin() as conn:
        conn.execute(insert(decisions_table).values({**row, **signature}))


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        ({}, "unsigned, but records before it are signed"),
        ({"key_id": KEY.signing_key_id, "signature": "f" * 64}, "does not match"),
    ],
    ids=["unsigned", "made-up-signature"],
)
def test_appending_a_forged_record_is_caught(
    signed: SqlAlchemyHistoryStore,
    engine: Engine,
    signature: dict[str, str | None],
    detail: str,
) -> None:
    last = chain_heads(signed)["decisions"]
    _forge(engine, 6, last.hash, **signature)
    problem = _decisions(signed).problem
    assert problem is not None
    assert (problem.seq, problem.what, problem.kind) == (
        6,
        "decision 6 (build 106 of gateway)",
        "forged",
    )
    assert detail in problem.detail


def _recompute_from(engine: Engine, first: int) -> None:
    """Change record ``first`` and recompute every hash from it on, as a tool would."""
    with engine.begin() as conn:
        rows = conn.execute(select(decisions_table).order_by(decisions_table.c.id)).all()
        prev = rows[first - 2].hash if first > 1 else "0" * 64
        for row in rows[first - 1 :]:
            values = {**row._asdict(), "prev_hash": prev}
            if row.id == first:
                values["strategy"] = "rolling"
            values["hash"] = row_hash(values)
            conn.execute(
                update(decisions_table)
                .where(decisions_table.c.id == row.id)
                .values(strategy=values["strategy"], prev_hash=prev, hash=values["hash"])
            )
            prev = str(values["hash"])


def test_recomputing_the_chain_is_caught_by_signatures_and_by_anchors(
    backend: Backend, tmp_path: Path, signed: SqlAlchemyHistoryStore, engine: Engine
) -> None:
    anchored = chain_heads(signed)["decisions"]
    _recompute_from(engine, 2)
    problem = _decisions(signed).problem
    assert problem is not None and (problem.seq, problem.kind) == (2, "forged")
    assert "its signature (key" in problem.detail
    # Without the key (a laptop) the signatures cannot be checked; the anchor still can.
    with _open(backend, tmp_path, AuditKeys.none()) as laptop:
        report = _decisions(laptop)
        assert report.problem is None and report.unchecked == 5
        problem = _decisions(laptop, [_claim(anchored)]).problem
    assert problem is not None and (problem.seq, problem.kind) == (5, "rewritten")
    assert problem.what == "decision 5 (build 105 of gateway)"
    assert f"says its hash was {anchored.hash[:16]}..." in problem.detail


def test_an_edited_record_is_caught_by_its_hash(
    signed: SqlAlchemyHistoryStore, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(decisions_table).where(decisions_table.c.id == 3).values(risk_score=99.0)
        )
    problem = _decisions(signed).problem
    assert problem is not None and (problem.seq, problem.kind) == (3, "changed")


def test_stripped_signatures_are_caught_by_an_anchor_or_by_requiring_them(
    signed: SqlAlchemyHistoryStore, engine: Engine
) -> None:
    anchored = chain_heads(signed)["decisions"]
    with engine.begin() as conn:
        conn.execute(update(decisions_table).values(key_id=None, signature=None))
    report = _decisions(signed)
    assert report.problem is None and report.unsigned_before_signing == 5  # the limit
    problem = _decisions(signed, [_claim(anchored)]).problem
    assert problem is not None and (problem.seq, problem.kind) == (5, "forged")
    assert f"says it was signed with key {KEY.signing_key_id}; it is unsigned now" in (
        problem.detail
    )
    (required,) = verify_chains(signed, only=("decisions",), require_signed=True)
    assert required.problem is not None
    assert (required.problem.seq, required.problem.kind) == (1, "unsigned")


def _outcomes(store: SqlAlchemyHistoryStore, claims: list[Claim] | None = None) -> ChainReport:
    (report,) = verify_chains(store, [("outcomes", c) for c in claims or []], only=("outcomes",))
    return report


def test_outcomes_are_chained_signed_and_anchored(
    signed: SqlAlchemyHistoryStore, engine: Engine
) -> None:
    signed.record_build(BuildRecord("gateway", "105", NOW, "success", "cipipe"))
    results: tuple[OutcomeResult, ...] = ("ok", "slo-breach", "rollback")
    heads = [
        append_outcome(signed, "gateway", "105", result, NOW + timedelta(hours=n))
        for n, result in enumerate(results)
    ]
    assert [h.seq for h in heads] == [1, 2, 3] and all(h.signature for h in heads)
    assert [o.result for o in build_outcomes(signed, "gateway", "105")] == [
        "ok",
        "slo-breach",
        "rollback",
    ]
    report = _outcomes(signed)
    assert report.problem is None and report.checked == 3
    with engine.begin() as conn:  # the rollback never happened, says the insider
        conn.execute(delete(outcomes_table).where(outcomes_table.c.id == 3))
    claim = Claim(3, heads[2].hash, heads[2].key_id, "svc/105/audit-anchor-outcome.json")
    problem = _outcomes(signed, [claim]).problem
    assert problem is not None and (problem.seq, problem.kind) == (3, "missing")
    with engine.begin() as conn:
        conn.execute(update(outcomes_table).where(outcomes_table.c.id == 2).values(result="ok"))
    problem = _outcomes(signed).problem
    assert problem is not None and (problem.seq, problem.kind) == (2, "changed")
    assert problem.what == "outcome 2 (ok of build 105 of gateway)"


def test_model_approvals_are_signed_too(signed: SqlAlchemyHistoryStore) -> None:
    head = append_model_event(signed, "m-20260301T120000Z-0000beef", "approved", "ana", NOW, {})
    assert head.key_id == KEY.signing_key_id
    heads = chain_heads(signed)
    assert (heads["model_approvals"], heads["outcomes"].seq) == (head, 0)
    (report,) = verify_chains(signed, only=("model_approvals",))
    assert report.problem is None and report.checked == 1
