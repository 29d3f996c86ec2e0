"""cipipe history seed --synthetic: the store it fills (SQLite and PostgreSQL), the same on
every run with a fixed clock, labelled the way the backtest and the shadow report read it,
and never mixed into a store holding real builds unless asked."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.history.interface import BuildRecord, HistoryStore
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.policy.builtin import load_builtin_bundle
from cipipe.steps.history_seed.seed import SEEDED_BY, seed_history
from tests.conftest import CliResult
from tests.support.historydb import Backend

Cli = Callable[..., CliResult]
END = datetime(2026, 12, 1, tzinfo=UTC)
UNTIL = "2026-12-01T00:00:00Z"


def _content(store: HistoryStore) -> dict[str, Any]:
    """Everything the seeding wrote, as plain data: builds with outcomes, the decisions log
    and where every chain stands."""
    return {
        "builds": [
            (
                b.service,
                b.build_id,
                b.started_at.isoformat(),
                b.result,
                b.author,
                b.risk_inputs,
                [(r, at.isoformat()) for r, at in b.outcomes],
            )
            for b in store.training_builds()
        ],
        "decisions": [d.as_json() for d in store.decisions()],
        "heads": store.chain_heads(),
        "sources": store.build_sources(),
    }


def _seeded(url: str, tmp_path: Path, count: int = 60, seed: int = 19) -> dict[str, Any]:
    with open_store(url, default_path=tmp_path / "unused.sqlite3", durable=False) as store:
        summary = seed_history(
            store, load_builtin_bundle(), seed=seed, count=count, now=END, policy_source="builtin"
        )
        assert summary.builds == summary.decisions == count
        return _content(store)


def test_two_seedings_with_a_fixed_clock_give_identical_rows_and_chain_heads(
    tmp_path: Path,
) -> None:
    first = _seeded(str(tmp_path / "a.sqlite3"), tmp_path)
    second = _seeded(str(tmp_path / "b.sqlite3"), tmp_path)
    assert first == second
    assert first["heads"]["decisions"].seq == 60
    assert first["heads"]["outcomes"].seq > 50
    assert _seeded(str(tmp_path / "c.sqlite3"), tmp_path, seed=20)["heads"] != first["heads"]


def test_seeding_fills_sqlite_and_postgresql_alike_with_synthetic_builds(
    backend: Backend, tmp_path: Path
) -> None:
    content = _seeded(backend.url, tmp_path, count=45)
    assert content["sources"] == {"synthetic": 45}
    decisions = content["decisions"]
    assert {d["mode"] for d in decisions} == {"shadow"}
    assert {d["decided_by"] for d in decisions} == {SEEDED_BY}
    # The real decision path made them: every one is a whole risk-decision document.
    assert all(d["decision"]["decision"]["schema"] == "cipipe.risk-decision/1" for d in decisions)
    labelled = [b for b in content["builds"] if b[6]]
    assert len(labelled) > 35
    with open_store(backend.url, default_path=tmp_path / "unused.sqlite3") as store:
        assert [r.problem for r in store.verify_chains()] == [None, None, None]
    reference = _seeded(str(tmp_path / "reference.sqlite3"), tmp_path, count=45)
    assert content["heads"] == reference["heads"]


def test_the_command_seeds_a_store_of_its_own_and_leaves_a_seeded_one_alone(
    cli: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "demo.sqlite3"
    args = ("--workdir", tmp_path / "w", "history", "seed", "--synthetic", "--db", db)
    result = cli(*args, "--builds", "60", "--until", UNTIL)
    assert result.exit_code == 0, result.stderr
    assert "seeded 60 synthetic builds" in result.stdout
    with open_store(str(db), default_path=db) as store:
        heads = store.chain_heads()
        assert store.build_sources() == {"synthetic": 60}
    again = cli(*args, "--builds", "60", "--until", UNTIL)
    assert again.exit_code == 0
    assert "holds synthetic history already: nothing added" in again.stdout
    with open_store(str(db), default_path=db) as store:
        assert store.chain_heads() == heads


def _real_store(db: Path) -> None:
    with open_store(str(db), default_path=db) as store:
        store.record_build(BuildRecord("payments", "7", END, "success", "jenkins"))


def test_a_store_with_real_builds_is_refused_with_exit_1_and_left_untouched(
    cli: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "real.sqlite3"
    _real_store(db)
    result = cli("--workdir", tmp_path / "w", "history", "seed", "--synthetic", "--db", db)
    assert result.exit_code == 1
    assert "holds real builds (1 from jenkins)" in result.stderr
    with open_store(str(db), default_path=db) as store:
        assert store.build_sources() == {"jenkins": 1}
        assert store.decisions() == []
        assert store.chain_heads()["outcomes"].seq == 0


def test_force_mixes_synthetic_builds_in_beside_the_real_ones(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "real.sqlite3"
    _real_store(db)
    args = ("history", "seed", "--synthetic", "--force", "--builds", "30", "--db", db)
    result = cli("--workdir", tmp_path / "w", *args, "--until", UNTIL)
    assert result.exit_code == 0, result.stderr
    with open_store(str(db), default_path=db) as store:
        assert store.build_sources() == {"jenkins": 1, "synthetic": 30}
        # Seeded ids never take a real build's number.
        kept = [b for b in store.builds("payments", limit=100) if b.build_id == "7"]
        assert [b.source for b in kept] == ["jenkins"]


def test_without_synthetic_it_is_bad_usage_and_nothing_is_written(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    result = cli("--workdir", tmp_path / "w", "history", "seed", "--db", db)
    assert result.exit_code == 2
    assert "--synthetic" in result.stderr
    assert not db.exists()


def test_the_seeded_history_backtests_well_above_chance_and_below_perfect(
    cli: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "demo.sqlite3"
    work = tmp_path / "w"
    assert cli("--workdir", work, "history", "seed", "--synthetic", "--db", db).exit_code == 0
    result = cli("--workdir", work, "backtest", "--from-db", "--db", db)
    assert result.exit_code == 0, result.stderr
    overall = json.loads((work / "backtest.json").read_text())["overall"]
    assert 0.08 <= overall["failures"] / overall["releases"] <= 0.25
    assert 0.62 <= overall["auc"] <= 0.95
    assert overall["tp"] > 0  # the blue-green bucket is reached: the shadow report has calls


def test_seeding_a_seeded_store_again_adds_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite3")
    with open_store(db, default_path=tmp_path / "unused.sqlite3", durable=False) as store:
        bundle = load_builtin_bundle()
        seed_history(store, bundle, seed=19, count=30, now=END, policy_source="builtin")
        heads = store.chain_heads()
        again = seed_history(store, bundle, seed=19, count=30, now=END, policy_source="builtin")
        assert again.already_seeded
        assert (again.builds, again.decisions, again.outcomes) == (0, 0, 0)
        assert store.chain_heads() == heads


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--until", "yesterday", "--until"), ("--builds", "5", "--builds")],
)
def test_a_bad_option_is_exit_2_naming_it_and_nothing_is_written(
    cli: Cli, tmp_path: Path, option: str, value: str, named: str
) -> None:
    db = tmp_path / "demo.sqlite3"
    result = cli(
        "--workdir", tmp_path / "w", "history", "seed", "--synthetic", "--db", db, option, value
    )
    assert result.exit_code == 2
    assert named in result.stderr
    assert not db.exists()
