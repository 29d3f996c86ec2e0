"""cipipe shadow report over a real SQLite history store, run in-process."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import DecisionMode, DecisionRecord
from cipipe.adapters.history.interface import BuildRecord, OutcomeResult
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from tests.conftest import CliResult
from tests.support.auditchains import decision_count

SHIPPED = Path(__file__).resolve().parents[2] / "policies"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday of ISO week 2026-W10
Cli = Callable[..., CliResult]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(SHIPPED, folder)
    path = folder / "thresholds-and-windows.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data["enforcement"].update(max_false_positive_rate=0.25, min_shadow_releases=3)
    data["services"]["payments"]["max_false_positive_rate"] = 0.5
    path.write_text(yaml.safe_dump(data))
    return folder


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def store(db: Path, tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    opened = open_store(str(db), default_path=tmp_path / "unused.db")
    try:
        yield opened
    finally:
        opened.close()


def _release(
    store: SqlAlchemyHistoryStore,
    service: str,
    build_id: str,
    strategy: str,
    outcomes: list[OutcomeResult],
    *,
    approval: bool = False,
    mode: DecisionMode = "shadow",
    day: int = 0,
) -> None:
    at = START + timedelta(days=day)
    store.record_build(BuildRecord(service, build_id, at, "success", "cipipe"))
    decision = {
        "service": service,
        "build_id": build_id,
        "recommended_strategy": strategy,
        "manual_approval_required": approval,
        "mode": mode,
    }
    append_decision(
        store,
        DecisionRecord(
            service=service,
            build_id=build_id,
            decided_at=at,
            decided_by="jenkins:test",
            mode=mode,
            policy_version="sha256:" + "0" * 64,
            model_version=None,
            risk_score=50,
            strategy=strategy,
            document={"decision": decision, "inputs": {}},
        ),
    )
    for n, result in enumerate(outcomes):
        store.record_outcome(service, build_id, result, at + timedelta(hours=n + 1))


@pytest.fixture
def filled(store: SqlAlchemyHistoryStore) -> SqlAlchemyHistoryStore:
    # gateway: TP, FP, TN, TN, FN, pending -> FPR 1/3 > 0.25, not ready.
    _release(store, "gateway", "1", "blue-green", ["rollback"])
    _release(store, "gateway", "2", "canary", ["ok"], approval=True)
    _release(store, "gateway", "3", "rolling", ["ok"])
    _release(store, "gateway", "4", "canary", ["ok", "hotfix"], day=7)
    _release(store, "gateway", "5", "rolling", ["slo-breach"], day=7)
    _release(store, "gateway", "6", "blue-green", [], day=8)
    # payments: the same FPR but a 0.5 threshold; build 9 decided twice, the later call counts.
    _release(store, "payments", "7", "blue-green", ["ok"])
    _release(store, "payments", "8", "rolling", ["ok"])
    _release(store, "payments", "9", "rolling", ["rollback"])
    append_decision(
        store,
        DecisionRecord(
            service="payments",
            build_id="9",
            decided_at=START + timedelta(hours=2),
            decided_by="jenkins:test",
            mode="shadow",
            policy_version="sha256:" + "0" * 64,
            model_version=None,
            risk_score=90,
            strategy="blue-green",
            document={"decision": {"recommended_strategy": "blue-green"}, "inputs": {}},
        ),
    )
    # An enforced decision: left out unless --include-enforced.
    _release(store, "payments", "10", "rolling", ["ok"], mode="enforce")
    return store


def _report(cli: Cli, *args: str | Path) -> dict[str, Any]:
    result = cli("shadow", "report", *args, "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_report_joins_decisions_with_outcomes(
    cli: Cli, filled: SqlAlchemyHistoryStore, db: Path, policy: Path
) -> None:
    data = _report(cli, "--db", db, "--policy", policy)
    gateway, payments = data["services"]
    assert gateway["service"] == "gateway"
    assert {k: gateway[k] for k in ("tp", "fp", "tn", "fn", "pending", "hotfix", "known")} == {
        "tp": 1,
        "fp": 1,
        "tn": 2,
        "fn": 1,
        "pending": 1,
        "hotfix": 1,
        "known": 5,
    }
    assert gateway["fpr"] == pytest.approx(1 / 3)
    assert gateway["tpr"] == pytest.approx(1 / 2)
    assert gateway["ready_to_enforce"] is False
    assert [r["code"] for r in gateway["reasons"]] == ["fpr-too-high"]
    assert gateway["by_strategy"]["blue-green"] == {"ok": 0, "failed": 1, "pending": 1}
    assert [(w["week"], w["known"]) for w in gateway["weeks"]] == [
        ("2026-W10", 3),
        ("2026-W11", 2),
    ]
    assert (payments["tp"], payments["fp"], payments["tn"], payments["fn"]) == (1, 1, 1, 0)
    assert payments["max_false_positive_rate"] == 0.5
    assert payments["ready_to_enforce"] is True
    assert data["overall"]["known"] == 8
    assert data["policy_version"].startswith("sha256:")


def test_filters_and_enforced_decisions(
    cli: Cli, filled: SqlAlchemyHistoryStore, db: Path, policy: Path
) -> None:
    only = _report(cli, "--db", db, "--policy", policy, "--service", "payments")
    assert [s["service"] for s in only["services"]] == ["payments"]
    assert only["overall"]["known"] == 3
    enforced = _report(
        cli, "--db", db, "--policy", policy, "--service", "payments", "--include-enforced"
    )
    assert enforced["overall"]["tn"] == 2
    later = _report(cli, "--db", db, "--policy", policy, "--since", "2026-03-09")
    assert later["overall"]["known"] == 2
    assert later["services"][0]["reasons"][0]["code"] == "too-few-releases"


def test_table_output_and_nothing_changes(
    cli: Cli, filled: SqlAlchemyHistoryStore, db: Path, policy: Path
) -> None:
    before = decision_count(filled)
    result = cli("shadow", "report", "--db", db, "--policy", policy)
    assert result.exit_code == 0, result.stderr
    assert "gateway" in result.stdout
    assert "no: FPR 33.3% is above 25.0%" in result.stdout
    assert "2026-W11" in result.stdout
    assert decision_count(filled) == before


def test_an_empty_store_and_a_bad_date(cli: Cli, db: Path, policy: Path) -> None:
    data = _report(cli, "--db", db, "--policy", policy)
    assert data["services"] == []
    assert data["overall"]["known"] == 0
    bad = cli("shadow", "report", "--db", db, "--policy", policy, "--since", "last tuesday")
    assert bad.exit_code == 2
    assert "--since" in bad.stderr
