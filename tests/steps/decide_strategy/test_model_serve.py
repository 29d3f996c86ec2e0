"""`cipipe model serve` over real HTTP on loopback: it scores a risk-inputs-for-decision
document exactly as decide-strategy's local model does, says which model and whether it is
approved, refuses bad input naming the field, and stops scoring the moment its model is no
longer approved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from cipipe.contracts.loading import read_contract
from cipipe.contracts.model_score import ModelScore
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.risk.model.serve import MAX_REQUEST_BYTES
from cipipe.risk.model.train import TrainedModel
from tests.risk.model.conftest import trained  # noqa: F401  (the session fixture)
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.modelservice import Cli, Setup, approved_setup, running


@pytest.fixture
def setup(cli: Cli, tmp_path: Path, trained: TrainedModel) -> Setup:  # noqa: F811
    return approved_setup(cli, tmp_path, trained)


def local_decision(cli: Cli, tmp_path: Path, setup: Setup) -> tuple[Path, RiskDecision]:
    """decide-strategy with the local model: the document it scored and its decision."""
    work = tmp_path / "work"
    write_workdir(work, make_risk_inputs(), with_build_info_paths=["src/main.c"])
    result = cli(
        "--workdir", work, "decide-strategy", "--policy", setup.policy, "--context",
        setup.context, "--db", setup.db, "--registry", setup.registry.root,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return work / "risk-inputs-for-decision.json", read_contract(
        RiskDecision, work / "risk-decision.json"
    )


def post(url: str, body: bytes) -> requests.Response:
    return requests.post(f"{url}/v1/score", data=body, timeout=30)


def test_it_scores_as_the_local_model_does(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    document, local = local_decision(cli, tmp_path, setup)
    assert local.model is not None and local.model.scored_by == "local"
    with running(setup) as server:
        answer = post(server.url, document.read_bytes())
        model = requests.get(f"{server.url}/v1/model", timeout=30).json()
        health = requests.get(f"{server.url}/healthz", timeout=30)
    assert answer.status_code == 200, answer.text
    score = ModelScore.model_validate(answer.json())
    assert score.risk_score == local.risk_score
    assert round(score.probability, 6) == local.model.probability
    assert (score.model_version, score.approval) == (setup.version, "approved")
    assert score.policy_version == local.policy_version
    # The explanation, in the policy's points, is the local decision's model contributors.
    points = {c.feature: c.points for c in local.top_contributors}
    assert points["model_base"] == pytest.approx(50 + 15 * score.base, abs=1e-3)
    for name, logit in score.contributions.items():
        assert points.get(name, 0.0) == pytest.approx(15 * logit, abs=1e-3)
    assert model["version"] == setup.version and model["approval"] == "approved"
    assert model["usable"] is True and model["policy_version"] == local.policy_version
    assert health.status_code == 200 and health.json()["status"] == "ok"
    # Each answer ends its connection, so a stop never waits on an idle keep-alive client.
    assert all(r.headers["Connection"] == "close" for r in (answer, health))


def _error(response: requests.Response) -> dict[str, Any]:
    data: dict[str, Any] = response.json()
    return data


def test_bad_input_is_refused_naming_the_field(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    document, _ = local_decision(cli, tmp_path, setup)
    data = json.loads(document.read_text())
    del data["risk_inputs"]["service"]
    with running(setup) as server:
        not_json = post(server.url, b"{not json")
        missing = post(server.url, json.dumps(data).encode())
        too_big = post(server.url, b" " * (MAX_REQUEST_BYTES + 1))
        elsewhere = requests.post(f"{server.url}/v2/score", data=b"{}", timeout=30)
    assert not_json.status_code == 400, not_json.text
    assert missing.status_code == 422, missing.text
    assert _error(missing)["field"] == "risk_inputs.service"
    assert too_big.status_code == 413, too_big.text
    assert elsewhere.status_code == 404


def test_a_model_input_the_document_lacks_is_422(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    document, _ = local_decision(cli, tmp_path, setup)
    data = json.loads(document.read_text())
    data["risk_inputs"]["change_metrics"]["exp"] = {
        "value": None, "status": "missing", "source": "git (no author history)",
    }  # fmt: skip
    with running(setup) as server:
        answer = post(server.url, json.dumps(data).encode())
    assert answer.status_code == 422, answer.text
    assert "input exp is missing" in _error(answer)["error"]


def test_a_model_no_longer_approved_stops_scoring(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    document, _ = local_decision(cli, tmp_path, setup)
    with running(setup) as server:
        assert post(server.url, document.read_bytes()).status_code == 200
        setup.registry.set_state(setup.version, "retired", by="test")
        answer = post(server.url, document.read_bytes())
        health = requests.get(f"{server.url}/healthz", timeout=30)
        model = requests.get(f"{server.url}/v1/model", timeout=30).json()
    assert answer.status_code == 503, answer.text
    assert "is retired, not approved" in _error(answer)["error"]
    assert health.status_code == 503
    assert model["usable"] is False and model["approval"] == "retired"


def test_approved_in_the_registry_alone_is_not_enough(setup: Setup, tmp_path: Path) -> None:
    """As for decide-strategy: the history store's model approvals log must vouch too."""
    from dataclasses import replace

    elsewhere = replace(setup, db=tmp_path / "another-history.sqlite3")
    with running(elsewhere) as server:
        model = requests.get(f"{server.url}/v1/model", timeout=30).json()
        health = requests.get(f"{server.url}/healthz", timeout=30)
    assert model["approval"] == "approved" and model["usable"] is False
    assert "approvals log holds no approval" in model["reason"]
    assert health.status_code == 503
