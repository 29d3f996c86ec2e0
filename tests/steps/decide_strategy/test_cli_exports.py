"""decide-strategy --export writes the templates its rollout block references beside it, with
the template's name, scope and Prometheus address from the options, and takes away a template
an earlier decision wrote that the new block no longer references."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from tests.risk.riskinputs import write_workdir
from tests.risk.templates import assert_references_resolve
from tests.steps.decide_strategy.conftest import Decide

BLOCK, ANALYSIS = "rollout-argo-rollouts.yaml", "rollout-argo-rollouts-analysis.yaml"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return write_workdir(
        tmp_path / "work", with_build_info_paths=["migrations/0042_add_index.sql"]
    ).path


def test_the_analysis_template_is_written_beside_the_strategy(
    decide: Decide, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_PROMETHEUS_ADDRESS", "http://prometheus.test:9090")
    exported = ("--export", "argo-rollouts", "--analysis-template", "shop-health")
    result = decide(work, *exported, "--analysis-scope", "cluster", "--export-plan", "recommended")
    assert result.exit_code == 0, result.stderr
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert decision.recommended_strategy != "rolling"  # a schema change: blue-green
    strategy = yaml.safe_load((work / BLOCK).read_text())["strategy"]
    written = list(yaml.safe_load_all((work / ANALYSIS).read_text()))
    assert [(o["kind"], o["metadata"]["name"]) for o in written] == [
        ("ClusterAnalysisTemplate", "shop-health")
    ]
    assert_references_resolve(strategy, written)
    address = next(a for a in written[0]["spec"]["args"] if a["name"] == "prometheus-address")
    assert address["value"] == "http://prometheus.test:9090"
    # The shadow default (rolling) has no analysis: the stale template is taken away.
    result = decide(work, "--export", "argo-rollouts")
    assert result.exit_code == 0, result.stderr
    assert "templateName" not in (work / BLOCK).read_text()
    assert not (work / ANALYSIS).exists()


def test_the_exports_name_the_build_and_the_decision_in_the_audit_chain(
    decide: Decide, work: Path, history_db: Path
) -> None:
    """cipipe.io/decision is the decision's hash in the audit chain (issue 19: outcome sync
    reads it back); Argo in the pod template, Flagger in the Canary's metadata file."""
    from cipipe.adapters.history.sqlalchemy_store import open_store

    exported = ("--export", "argo-rollouts", "--export", "flagger")
    gate = ("--approval-url", "http://gate.test/check")
    result = decide(work, *exported, *gate, "--export-plan", "recommended")
    assert result.exit_code == 0, result.stderr
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    with open_store(str(history_db), default_path=history_db) as store:
        [logged] = store.decisions(build_id=decision.build_id)
    expected = {
        "cipipe.io/service": decision.service,
        "cipipe.io/build-id": decision.build_id,
        "cipipe.io/decision": logged.hash,
    }
    argo = yaml.safe_load((work / BLOCK).read_text())
    assert argo["template"]["metadata"]["annotations"] == expected
    flagger = yaml.safe_load((work / "rollout-flagger-metadata.yaml").read_text())
    assert flagger["metadata"]["annotations"] == expected
