"""A policy that names a model, and promoting a trained one: what the model decision tests share."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.risk.model.registry import Registry
from tests.conftest import REPO_ROOT, CliResult
from tests.risk.riskinputs import make_risk_inputs, write_workdir

Cli = Callable[..., CliResult]

CONTEXT = "deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 10\nlast_release_rolled_back: false\n"


def promote(cli: Cli, tmp_path: Path, registry: Registry, version: str, *extra: str) -> None:
    """`cipipe model promote`: approved in the registry and in the test's history store."""
    db = tmp_path / "history.sqlite3"
    result = cli("model", "promote", version, "--registry", registry.root, "--db", db, *extra)
    assert result.exit_code == 0, result.stderr


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
