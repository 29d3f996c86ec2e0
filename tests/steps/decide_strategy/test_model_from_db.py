"""A model trained with `cipipe model train --from-db` decides: decide-strategy (and `cipipe model
serve`) derive the build's store features with training's own code, from the history store
given by --db; the row of a build already in the store is its training row (no skew); without
the store the heuristic decides and the reason names the feature."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.cli import run
from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.contracts.source import Person
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.store_features import store_history
from cipipe.steps.decide_strategy.store_row import store_row
from tests.conftest import CliResult
from tests.risk.model.storehistory import AUTHORS, START, Cli, fill
from tests.risk.riskinputs import make_build_info, make_risk_inputs, write_workdir
from tests.steps.decide_strategy.model_policy import CONTEXT, policy_with_model
from tests.steps.decide_strategy.modelservice import Setup, running

BUILDS = 100


def quiet_cli(*argv: str | os.PathLike[str]) -> CliResult:
    """cipipe in-process for a module fixture (no capsys there): only the exit code."""
    return CliResult(run([os.fspath(a) for a in argv]), "", "")


@dataclass(frozen=True)
class Trained:
    folder: Path
    db: Path
    registry: Registry
    version: str
    policy: Path
    context: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """A store filled through `cipipe history record` and outcomes, a model trained on it
    (--from-db), promoted the way the other tests promote one, and a policy naming it."""
    folder = tmp_path_factory.mktemp("fromdb")
    db = folder / "history.sqlite3"
    fill(quiet_cli, str(db), folder / "builds", BUILDS)
    registry = Registry(folder / "models")
    assert (
        quiet_cli("model", "train", "--from-db", "--db", db, "--out", registry.root).exit_code == 0
    )
    (version,) = [e.version for e in registry.entries()]
    promoted = quiet_cli("model", "promote", version, "--registry", registry.root, "--db", db)
    assert promoted.exit_code == 0
    context = folder / "context.yaml"
    context.write_text(CONTEXT)
    yield Trained(folder, db, registry, version, policy_with_model(folder, version), context)


def new_build(folder: Path, number: int = BUILDS + 1) -> Path:
    """The next build of orders, by eve, seven hours after the last: not in the store."""
    inputs = make_risk_inputs(
        service="orders", build_id=str(number), lines_added=400, lines_deleted=20,
        targets=["linux", "arm"], unit_tests_flaky=1,
    )  # fmt: skip
    work = write_workdir(folder / "work", inputs)
    created = START + timedelta(hours=7 * (number - 1), minutes=30)
    author = Person(name=AUTHORS[2], email=AUTHORS[2])
    info = make_build_info(inputs, ["src/a.c"])
    work.write(info.model_copy(update={"created": created, "author": author}))
    return work.path


@contextmanager
def serving(trained: Trained, db: Path) -> Iterator[str]:
    """`cipipe model serve --db DB` in its own process on a free loopback port: its URL."""
    command = [
        sys.executable, "-m", "cipipe", "model", "serve", "--registry", str(trained.registry.root),
        "--policy", str(trained.policy), "--db", str(db), "--port", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "serving model V at URL (policy P)"
        assert f"serving model {trained.version} at http://127.0.0.1:" in line, line
        yield line.split(" at ", 1)[1].split(" ", 1)[0]
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def decide(cli: Cli, work: Path, trained: Trained, *extra: str | os.PathLike[str]) -> RiskDecision:
    result = cli(
        "--workdir", work, "decide-strategy", "--policy", trained.policy, "--context",
        trained.context, "--registry", trained.registry.root, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return read_contract(RiskDecision, work / "risk-decision.json")


def test_a_from_db_model_scores_a_new_build(cli: Cli, tmp_path: Path, trained: Trained) -> None:
    work = new_build(tmp_path)
    d = decide(cli, work, trained, "--db", trained.db)
    assert d.model is not None and d.model.scored, d.model
    assert d.model.scored_by == "local" and d.model_version == trained.version
    raw = {c.feature: c.raw_value for c in d.top_contributors}
    assert "model_base" in raw
    # Every outcome in the store was recorded long after this build started: none is known
    # yet, so all earlier builds count as good, (good + 1) / (judged + 2).
    eves = sum(1 for i in range(BUILDS) if i % 3 == 2)
    assert raw["author_reliability"] == pytest.approx((eves + 1) / (eves + 2))
    assert raw["repository_reliability"] == pytest.approx((BUILDS + 1) / (BUILDS + 2))
    assert raw["hour_of_day"] == (6 + 7 * BUILDS) % 24 + 0.5  # from build-info.json
    assert raw["loc_changed"] == 420 and raw["platform_arm"] == 1.0
    flakiness = raw["flakiness_index"]
    assert isinstance(flakiness, float) and 0 < flakiness <= 1  # this build was flaky
    assert round(sum(c.points for c in d.top_contributors), 4) == d.score_before_clamp


def test_the_decision_row_of_a_stored_build_is_its_training_row(trained: Trained) -> None:
    with open_store(str(trained.db), default_path=trained.db) as store:
        builds = store.training_builds()
        table = store_history(builds, store.url).table
        for at, build_id in enumerate(table.ids):
            work = trained.folder / "builds" / f"b{build_id.split('/')[1]}"
            inputs = read_contract(RiskInputs, work / "risk-inputs.json")
            # build-info.json's start is ignored for a recorded build: its record is used
            far_off = (START + timedelta(days=999), "someone@example.com")
            row = store_row(store, inputs, far_off)
            assert not row.missing.keys() & table.features.keys(), (build_id, row.missing)
            for name, column in table.features.items():
                assert row.values.get(name, 0.0) == column[at], (build_id, name)
    assert len(table.ids) > 90


def test_without_the_store_the_reason_names_the_feature(
    cli: Cli, tmp_path: Path, trained: Trained
) -> None:
    work = new_build(tmp_path)
    # No --db: the default store beside the work folder, which approves the model (promoted
    # there too) but holds no build of orders.
    default = tmp_path / "cipipe-history.sqlite3"
    promoted = cli("model", "promote", trained.version, "--registry", trained.registry.root,
                   "--db", default)  # fmt: skip
    assert promoted.exit_code == 0, promoted.stderr
    d = decide(cli, work, trained)
    assert d.model is not None and not d.model.scored
    assert "the heuristic decided: the model needs 'author_reliability'" in d.model.reason
    assert "holds none (decide with --db" in d.model.reason and str(default) in d.model.reason
    assert "model_base" not in {c.feature for c in d.top_contributors}


def test_the_model_service_scores_a_recorded_build_as_decide_strategy_does(
    cli: Cli, tmp_path: Path, trained: Trained
) -> None:
    work = new_build(tmp_path, BUILDS + 2)
    db = tmp_path / "history.sqlite3"
    db.write_bytes(trained.db.read_bytes())  # the build is recorded in a copy of the store
    recorded = cli("--workdir", work, "history", "record", "--result", "success", "--db", db)
    assert recorded.exit_code == 0, recorded.stderr
    local = decide(cli, work, trained, "--db", db)
    assert local.model is not None and local.model.scored_by == "local"
    with serving(trained, db) as url:  # the real `cipipe model serve` process
        served = decide(cli, work, trained, "--db", db, "--model-url", url)
    assert served.model is not None and served.model.scored_by == "service", served.model
    assert served.model.service_fallback is None
    assert served.risk_score == local.risk_score
    assert served.top_contributors == local.top_contributors


def test_the_model_service_cannot_score_an_unrecorded_build_and_says_why(
    cli: Cli, tmp_path: Path, trained: Trained
) -> None:
    work = new_build(tmp_path)  # not recorded: the service has no build-info.json to read
    setup = Setup(trained.registry, trained.policy, trained.db, trained.context, trained.version)
    with running(setup) as server:
        d = decide(cli, work, trained, "--db", trained.db, "--model-url", server.url)
    assert d.model is not None and d.model.scored_by == "local", d.model
    fallback = d.model.service_fallback or ""
    assert "did not score" in fallback and "'author_reliability'" in fallback, fallback
    assert "holds no record of it" in fallback
