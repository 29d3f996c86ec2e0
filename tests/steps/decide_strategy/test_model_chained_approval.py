"""A model scores only when the history store's model approvals log approves that exact model:
model.json saying "approved" is not enough, whoever typed it there."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from cipipe.adapters.history.schema import model_approvals
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import TrainedModel
from tests.conftest import CliResult
from tests.risk.model.conftest import trained  # noqa: F401  (the session fixture)
from tests.steps.decide_strategy.model_policy import decide, policy_with_model, promote
from tests.support.auditchains import model_row_hash

Cli = Callable[..., CliResult]
KEY = "k" * 40


def hand_approve(registry: Registry, version: str) -> None:
    """What someone with write access to the registry folder can do: edit model.json."""
    path = registry.folder(version) / "model.json"
    data = json.loads(path.read_text())
    data["approval"]["state"] = "approved"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def fell_back(d: RiskDecision, why: str) -> None:
    assert d.model is not None and not d.model.scored, d.model
    assert d.model_version is None and d.model.probability is None
    assert d.model.reason.startswith("the heuristic decided: "), d.model.reason
    assert why in d.model.reason, d.model.reason


@pytest.fixture
def saved(tmp_path: Path, trained: TrainedModel) -> Registry:  # noqa: F811
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="alice")
    return registry


def second(trained: TrainedModel) -> TrainedModel:  # noqa: F811
    version = trained.version[:-8] + "0000beef"
    return replace(trained, version=version, metadata={**trained.metadata, "version": version})


def test_a_hand_edited_approval_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    hand_approve(saved, trained.version)
    assert saved.approved() == trained.version  # the registry alone is fooled
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, "the history store's model approvals log holds no approval of it")


def test_a_chained_approval_scores(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    promote(cli, tmp_path, saved, trained.version)
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    assert d.model is not None and d.model.scored, d.model
    assert d.model_version == trained.version


def test_a_retired_model_edited_back_to_approved_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    newer = second(trained)
    saved.save(newer, by="bob")
    promote(cli, tmp_path, saved, trained.version)
    # retires the first (no model compare here: forced, with the reason recorded)
    promote(cli, tmp_path, saved, newer.version, "--force", "--reason", "test")
    saved.set_state(newer.version, "candidate", by="mallory")
    hand_approve(saved, trained.version)
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, "the history store's model approvals log says retired (by ")


def test_a_superseded_approval_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    """Two registries approving into one history store: only the newest approval counts."""
    other = Registry(tmp_path / "other-models")
    newer = second(trained)
    other.save(newer, by="bob")
    promote(cli, tmp_path, saved, trained.version)
    promote(cli, tmp_path, other, newer.version)
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, f"was superseded by {newer.version} in the model approvals log")


def test_model_json_edited_after_approval_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    promote(cli, tmp_path, saved, trained.version)
    path = saved.folder(trained.version) / "model.json"
    data = json.loads(path.read_text())
    data["metrics"]["test"]["auc"] = 0.99  # or a transform, a feature: anything that scores
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, "model.json is not the one approved")


def test_swapped_model_files_fall_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    """Other model bytes with their sha256 written into model.json: the files check passes,
    the approval's record of the files does not."""
    promote(cli, tmp_path, saved, trained.version)
    folder = saved.folder(trained.version)
    calibration = json.loads((folder / "calibration.json").read_text())
    calibration["b"] = float(calibration["b"]) + 3.0  # every release looks riskier
    text = json.dumps(calibration)
    (folder / "calibration.json").write_text(text)
    data = json.loads((folder / "model.json").read_text())
    data["files"]["calibration.json"] = hashlib.sha256(text.encode()).hexdigest()
    (folder / "model.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, "files are not the ones approved")


def test_a_tampered_approvals_log_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    promote(cli, tmp_path, saved, trained.version)
    with sqlite3.connect(tmp_path / "history.sqlite3") as conn:
        conn.execute("UPDATE model_approvals SET \"by\" = 'mallory' WHERE id = 1")
    conn.close()
    d = decide(cli, tmp_path, policy_with_model(tmp_path, trained.version), saved.root)
    fell_back(d, "the history store's model approvals log is broken at model approval 1")


def test_an_approval_appended_without_the_key_falls_back(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log is signed; an insider with database access but not the key appends a
    well-chained approval of another model and edits its model.json."""
    monkeypatch.setenv("CIPIPE_AUDIT_KEY", KEY)
    newer = second(trained)
    saved.save(newer, by="bob")
    promote(cli, tmp_path, saved, trained.version)
    db = tmp_path / "history.sqlite3"
    with open_store(str(db), default_path=db) as store:
        (signed,) = store.model_approvals()
    assert signed.key_id is not None and signed.signature is not None
    row: dict[str, object] = {
        "version": newer.version,
        "state": "approved",
        "at": signed.at,
        "by": "mallory",
        "record": "{}",
        "prev_hash": signed.hash,
    }
    row["hash"] = model_row_hash(row)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(insert(model_approvals).values(row))
    engine.dispose()
    hand_approve(saved, newer.version)
    saved.set_state(trained.version, "retired", by="mallory")
    d = decide(cli, tmp_path, policy_with_model(tmp_path, newer.version), saved.root)
    fell_back(d, "model approvals log is broken at model approval 2 (")
    assert d.model is not None and d.model.reason.endswith("[forged]")


def test_promoting_again_records_an_approval_the_log_lacks(
    cli: Cli,
    tmp_path: Path,
    saved: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    """A model approved in the registry before the history store logged approvals (or into
    another database) scores once `model promote` records it; promoting again adds nothing."""
    saved.promote(trained.version, by="alice")  # the registry only, as cipipe 0.1 did
    policy = policy_with_model(tmp_path, trained.version)
    fell_back(decide(cli, tmp_path, policy, saved.root), "holds no approval of it")
    promote(cli, tmp_path, saved, trained.version)
    promote(cli, tmp_path, saved, trained.version)
    db = tmp_path / "history.sqlite3"
    with open_store(str(db), default_path=db) as store:
        assert [(e.version, e.state) for e in store.model_approvals()] == [
            (trained.version, "approved")
        ]
    d = decide(cli, tmp_path, policy, saved.root)
    assert d.model is not None and d.model.scored, d.model
