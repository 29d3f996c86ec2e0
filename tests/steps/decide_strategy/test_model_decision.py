"""decide-strategy with a model: an approved model referenced by the policy scores, with exact
contributors; a missing, unapproved, corrupted or mismatched model leaves the decision to the
heuristic, and the decision says why. "Approved" means approved by `cipipe model promote` in
the history store's model approvals log, not just in the registry's model.json."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.contracts.risk_inputs import Number
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import TrainedModel
from tests.conftest import REPO_ROOT, CliResult
from tests.risk.model.conftest import trained  # noqa: F401  (the session fixture)
from tests.risk.riskinputs import make_risk_inputs, write_workdir

Cli = Callable[..., CliResult]
CONTEXT = "deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 10\nlast_release_rolled_back: false\n"


def promote(cli: Cli, tmp_path: Path, registry: Registry, version: str, *extra: str) -> None:
    """`cipipe model promote`: approved in the registry and in the test's history store."""
    db = tmp_path / "history.sqlite3"
    result = cli("model", "promote", version, "--registry", registry.root, "--db", db, *extra)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def registry(cli: Cli, tmp_path: Path, trained: TrainedModel) -> Registry:  # noqa: F811
    store = Registry(tmp_path / "models")
    store.save(trained, by="test")
    promote(cli, tmp_path, store, trained.version)
    return store


def policy_with_model(tmp_path: Path, version: str | None) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", folder)
    weights = folder / "risk-weights.yaml"
    data = yaml.safe_load(weights.read_text())
    data["model"]["version"] = version
    weights.write_text(yaml.safe_dump(data))
    return folder


def decide(cli: Cli, tmp_path: Path, policy: Path, registry: Path) -> RiskDecision:
    work = tmp_path / "work"
    if not (work / "risk-inputs.json").exists():
        write_workdir(work, make_risk_inputs(), with_build_info_paths=["src/main.c"])
    context = tmp_path / "context.yaml"
    context.write_text(CONTEXT)
    result = cli(
        "--workdir", work, "decide-strategy", "--policy", policy, "--context", context,
        "--db", tmp_path / "history.sqlite3", "--registry", registry,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return read_contract(RiskDecision, work / "risk-decision.json")


def test_an_approved_model_scores_with_exact_contributors(
    cli: Cli,
    tmp_path: Path,
    registry: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    policy = policy_with_model(tmp_path, trained.version)
    d = decide(cli, tmp_path, policy, registry.root)
    assert d.model is not None and d.model.scored, d.model
    assert d.model_version == trained.version
    assert d.model.probability is not None and 0 < d.model.probability < 1
    features = {c.feature for c in d.top_contributors}
    assert "model_base" in features and "lines_changed" not in features
    assert round(sum(c.points for c in d.top_contributors), 4) == d.score_before_clamp
    # The same offset + scale * log-odds the policy states, before the modifiers.
    model_points = sum(
        c.points for c in d.top_contributors if c.feature in {"model_base", *trained.model.features}
    )
    import math

    p = d.model.probability
    assert model_points == pytest.approx(50 + 15 * math.log(p / (1 - p)), abs=1e-3)
    assert d.bucket.min <= d.risk_score <= d.bucket.max


def test_no_model_referenced_means_the_heuristic(
    cli: Cli, tmp_path: Path, registry: Registry
) -> None:
    d = decide(cli, tmp_path, policy_with_model(tmp_path, None), registry.root)
    assert d.model is None and d.model_version is None


def _fallback(d: RiskDecision, why: str) -> None:
    assert d.model is not None and not d.model.scored and d.model_version is None
    assert d.model.probability is None
    assert d.model.reason.startswith("the heuristic decided: ") and why in d.model.reason
    assert "lines_changed" in {c.feature for c in d.top_contributors}


def test_an_unknown_version_falls_back(cli: Cli, tmp_path: Path, registry: Registry) -> None:
    policy = policy_with_model(tmp_path, "m-20260101T000000Z-deadbeef")
    _fallback(decide(cli, tmp_path, policy, registry.root), "is not in the registry")


def test_a_candidate_is_not_used(
    cli: Cli,
    tmp_path: Path,
    registry: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    registry.set_state(trained.version, "candidate", by="test")
    policy = policy_with_model(tmp_path, trained.version)
    _fallback(decide(cli, tmp_path, policy, registry.root), "is candidate, not approved")


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda f: (f / "lightgbm.txt").unlink(), "lightgbm.txt"),
        (lambda f: (f / "lightgbm.txt").write_text("tree\ngarbage"), "lightgbm.txt"),
        (lambda f: (f / "logistic.json").write_text("{not json"), "logistic.json"),
    ],
    ids=["deleted", "corrupted", "invalid-json"],
)
def test_a_broken_model_falls_back(
    cli: Cli,
    tmp_path: Path,
    registry: Registry,
    trained: TrainedModel,  # noqa: F811
    damage: Callable[[Path], object],
    why: str,
) -> None:
    damage(registry.folder(trained.version))
    policy = policy_with_model(tmp_path, trained.version)
    _fallback(decide(cli, tmp_path, policy, registry.root), why)


def test_a_missing_model_input_falls_back(
    cli: Cli,
    tmp_path: Path,
    registry: Registry,
    trained: TrainedModel,  # noqa: F811
) -> None:
    inputs = make_risk_inputs()
    metrics = dict(inputs.change_metrics)
    metrics["exp"] = Number(value=None, status="missing", source="git (no author history)")
    write_workdir(
        tmp_path / "work",
        inputs.model_copy(update={"change_metrics": metrics}),
        with_build_info_paths=["src/main.c"],
    )
    policy = policy_with_model(tmp_path, trained.version)
    _fallback(decide(cli, tmp_path, policy, registry.root), "input exp is missing")


def test_the_heuristic_score_is_a_model_input(cli: Cli, tmp_path: Path) -> None:
    import numpy as np

    from cipipe.risk.model.train import train_model
    from tests.risk.model.conftest import NOW
    from tests.risk.model.histories import generated

    table = generated(2000, seed=3)
    table.features["heuristic_score"] = np.clip(np.log1p(table.features["la"]) * 10, 0, 100)
    model = train_model(table, features=["la", "exp", "heuristic_score"], now=NOW)
    store = Registry(tmp_path / "models")
    store.save(model, by="test")
    promote(cli, tmp_path, store, model.version)
    d = decide(cli, tmp_path, policy_with_model(tmp_path, model.version), store.root)
    assert d.model is not None and d.model.scored
    heuristic = next(c for c in d.top_contributors if c.feature == "heuristic_score")
    assert f"heuristic: {int(heuristic.raw_value or 0)}" in d.model.reason
