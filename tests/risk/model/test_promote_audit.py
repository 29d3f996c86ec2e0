"""`cipipe model promote` writes its state changes to the history store's audit log too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import TrainedModel
from tests.conftest import CliResult
from tests.support.auditchains import verify_model_chain

Cli = Callable[..., CliResult]


@pytest.fixture
def two(tmp_path: Path, trained: TrainedModel) -> tuple[Registry, str, str]:
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="alice")
    version = trained.version[:-8] + "0000beef"
    registry.save(
        replace(trained, version=version, metadata={**trained.metadata, "version": version}),
        by="bob",
    )
    return registry, trained.version, version


def test_promote_records_approved_and_retired(
    cli: Cli, two: tuple[Registry, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry, first, second = two
    db = tmp_path / "history.db"
    monkeypatch.setenv("BUILD_USER_ID", "carol")
    args = ("--registry", registry.root, "--db", db)
    assert cli("model", "promote", first, *args).exit_code == 0
    # No comparison of second against first: promoted only by force, with a reason.
    forced = ("--force", "--reason", "the comparison is in the change request")
    assert cli("model", "promote", second, *args, "--by", "dave", *forced).exit_code == 0
    assert cli("model", "promote", second, *args).exit_code == 0  # no change: nothing recorded

    with open_store(str(db), default_path=tmp_path / "unused.db") as store:
        events = store.model_approvals()
        assert [(e.version, e.state, e.by) for e in events] == [
            (first, "approved", "carol"),
            (second, "approved", "dave"),
            (first, "retired", "dave"),
        ]
        assert [e.id for e in store.model_approvals(first)] == [1, 3]
        assert verify_model_chain(store) is None
    approved = events[1].record
    assert approved["previous_approved"] == first and approved["action"] == "promote"
    assert set(approved["files"]) >= {"lightgbm.txt", "logistic.json"}
    assert "auc" in approved["metrics"]
    assert events[2].record["replaced_by"] == second
    assert events[0].record["previous_approved"] is None

    verified = cli("audit", "verify", "--db", db, "--no-anchors")
    assert verified.exit_code == 0
    assert verified.stdout.splitlines()[-1] == (
        "audit log intact: 0 decisions, 0 outcomes, 3 model approvals"
    )


def test_a_tampered_approval_fails_audit_verify(
    cli: Cli, two: tuple[Registry, str, str], tmp_path: Path
) -> None:
    registry, first, _second = two
    db = tmp_path / "history.db"
    assert cli("model", "promote", first, "--registry", registry.root, "--db", db).exit_code == 0
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE model_approvals SET \"by\" = 'mallory' WHERE id = 1")
    conn.close()
    verified = cli("audit", "verify", "--db", db, "--no-anchors")
    assert verified.exit_code == 1
    (line,) = [x for x in verified.stdout.splitlines() if "broken" in x]
    assert line.startswith("model approvals chain broken at model approval 1 (")
    assert line.endswith("its contents no longer match its hash [changed]")


def test_a_failing_history_store_exits_3_and_the_registry_change_stays(
    cli: Cli, two: tuple[Registry, str, str], tmp_path: Path
) -> None:
    registry, first, _second = two
    not_a_db = tmp_path / "history.db"
    not_a_db.write_text("this is not a database\n" * 100)
    promoted = cli("model", "promote", first, "--registry", registry.root, "--db", not_a_db)
    assert promoted.exit_code == 3
    assert f"approved {first}" in promoted.stdout
    assert "(that change stays)" in promoted.stderr
    assert "model approvals log was not written" in promoted.stderr
    assert registry.approved() == first
