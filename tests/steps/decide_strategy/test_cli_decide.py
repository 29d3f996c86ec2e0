"""cipipe decide-strategy in-process: valid files, reproducible bytes, clean refusals of bad
input (exit 2, nothing written, nothing audited), exports, explain and the audit log."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision, RiskInputsForDecision
from cipipe.contracts.risk_inputs import RiskInputs
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.conftest import BUILD_TAG, POLICIES, Decide

Cli = Callable[..., CliResult]
OUTPUTS = (
    RiskInputsForDecision.FILE_NAME,
    RiskDecision.FILE_NAME,
    "notification.json",
    "notification.md",
    "rollout-argo-rollouts.yaml",
    "rollout-flagger.yaml",
)
CHANGED = ["src/server.c", "src/handlers/orders.c", "docs/README.md"]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return write_workdir(tmp_path / "work", with_build_info_paths=CHANGED).path


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def without_stamps(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    data.pop("decided_at", None)
    data.pop("decided_by", None)
    data.pop("audit", None)  # where the audit log stood: one record further each time
    return data


def audit_count(cli: Cli, work: Path, db: Path) -> str:
    result = cli("--workdir", work, "audit", "verify", "--db", db)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_decides_and_writes_valid_files(decide: Decide, work: Path) -> None:
    result = decide(work)
    assert result.exit_code == 0, result.stderr
    inputs = read_contract(RiskInputsForDecision, work / RiskInputsForDecision.FILE_NAME)
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert inputs.risk_inputs == read_contract(RiskInputs, work / RiskInputs.FILE_NAME)
    assert inputs.risk_inputs_sha256 == sha256(work / RiskInputs.FILE_NAME)
    assert decision.inputs_digest == sha256(work / RiskInputsForDecision.FILE_NAME)
    assert inputs.signals["changed_paths"].value == sorted(CHANGED)  # from build-info.json
    assert inputs.calendar.evaluated_at == "2026-03-04T10:00:00Z"
    assert (decision.service, decision.build_id, decision.decided_by) == ("svc", "7", BUILD_TAG)
    assert decision.policy.source == str(POLICIES)
    assert decision.score_before_clamp == pytest.approx(
        sum(c.points for c in decision.top_contributors)
    )
    assert decision.bucket.min <= decision.risk_score <= decision.bucket.max
    assert "not attached to a candidate" in result.stderr  # no publish.json here


def test_same_inputs_give_the_same_bytes(decide: Decide, work: Path) -> None:
    assert decide(work).exit_code == 0
    first_inputs = (work / RiskInputsForDecision.FILE_NAME).read_bytes()
    first = without_stamps(work / RiskDecision.FILE_NAME)
    assert decide(work).exit_code == 0
    assert (work / RiskInputsForDecision.FILE_NAME).read_bytes() == first_inputs
    assert without_stamps(work / RiskDecision.FILE_NAME) == first
    again = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert again.inputs_digest == first["inputs_digest"]


def test_same_inputs_give_the_same_digest_without_a_context(
    cli: Cli, work: Path, history_db: Path
) -> None:
    def digest() -> str:
        args = ("--policy", POLICIES, "--db", history_db)
        assert cli("--workdir", work, "decide-strategy", *args).exit_code == 0
        return read_contract(RiskDecision, work / RiskDecision.FILE_NAME).inputs_digest

    assert digest() == digest()


def test_a_changed_policy_value_changes_the_policy_version(
    decide: Decide, work: Path, tmp_path: Path
) -> None:
    assert decide(work).exit_code == 0
    shipped = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    edited = tmp_path / "policies"
    shutil.copytree(POLICIES, edited)
    weights = edited / "risk-weights.yaml"
    text = weights.read_text()
    assert "  loc_per_100_lines: 2 " in text
    weights.write_text(text.replace("  loc_per_100_lines: 2 ", "  loc_per_100_lines: 3 ", 1))
    assert decide(work, "--policy", edited).exit_code == 0
    changed = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert changed.policy_version != shipped.policy_version
    assert changed.policy.version == changed.policy_version
    assert changed.policy.source == str(edited)


def _malformed_json(work: Path, tmp_path: Path) -> list[str]:
    (work / RiskInputs.FILE_NAME).write_text('{"schema": "cipipe.risk-inputs/1",')
    return [str(work / RiskInputs.FILE_NAME), "invalid JSON"]


def _wrong_schema(work: Path, tmp_path: Path) -> list[str]:
    data = json.loads((work / RiskInputs.FILE_NAME).read_text())
    data["schema"] = "cipipe.build-info/1"
    (work / RiskInputs.FILE_NAME).write_text(json.dumps(data))
    return [str(work / RiskInputs.FILE_NAME), "schema", "cipipe.risk-inputs/1"]


def _wrong_field_type(work: Path, tmp_path: Path) -> list[str]:
    data = json.loads((work / RiskInputs.FILE_NAME).read_text())
    data["unit_tests_failed"]["value"] = "many"
    (work / RiskInputs.FILE_NAME).write_text(json.dumps(data))
    return [str(work / RiskInputs.FILE_NAME), "unit_tests_failed.value"]


def _unknown_context_key(work: Path, tmp_path: Path) -> list[str]:
    (tmp_path / "context.yaml").write_text("deploy_at: 2026-03-04T10:00:00Z\nqps: 10\n")
    return [str(tmp_path / "context.yaml"), "qps", "unknown field"]


def _negative_qps(work: Path, tmp_path: Path) -> list[str]:
    (tmp_path / "context.yaml").write_text("production_qps: -5\n")
    return [str(tmp_path / "context.yaml"), "production_qps", "-5"]


def _broken_policy(work: Path, tmp_path: Path) -> list[str]:
    folder = tmp_path / "policies"  # the test passes this folder as --policy when it exists
    shutil.copytree(POLICIES, folder)
    weights = folder / "risk-weights.yaml"
    weights.write_text(
        weights.read_text().replace("loc_per_100_lines: 2 ", "loc_per_100_lines: lots ")
    )
    return [str(weights), "loc_per_100_lines"]


def _missing_inputs(work: Path, tmp_path: Path) -> list[str]:
    (work / RiskInputs.FILE_NAME).unlink()
    return [str(work / RiskInputs.FILE_NAME), "missing"]


BAD_INPUTS: dict[str, Callable[[Path, Path], list[str]]] = {
    "malformed risk-inputs.json": _malformed_json,
    "wrong schema id": _wrong_schema,
    "wrong field type": _wrong_field_type,
    "unknown context key": _unknown_context_key,
    "negative production_qps": _negative_qps,
    "broken policy folder": _broken_policy,
    "missing risk-inputs.json": _missing_inputs,
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_and_writes_nothing(
    cli: Cli, decide: Decide, work: Path, tmp_path: Path, history_db: Path, case: str
) -> None:
    before = sorted(p.name for p in work.iterdir())
    wanted = BAD_INPUTS[case](work, tmp_path)
    policy = tmp_path / "policies" if (tmp_path / "policies").is_dir() else POLICIES
    result = decide(work, "--policy", policy)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cipipe: error: "), result.stderr
    for part in wanted:
        assert part in lines[0]
    after = sorted(p.name for p in work.iterdir())
    assert not set(after) & set(OUTPUTS)
    assert set(after) <= set(before)
    assert (
        audit_count(cli, work, history_db)
        == "audit log intact: 0 decisions, 0 outcomes, 0 model approvals"
    )


def test_argo_rollouts_export(decide: Decide, work: Path) -> None:
    result = decide(work, "--export", "argo-rollouts")
    assert result.exit_code == 0, result.stderr
    plan = yaml.safe_load((work / "rollout-argo-rollouts.yaml").read_text())
    # The strategy, and the pod template's annotations naming the build (outcome sync).
    assert list(plan) == ["strategy", "template"]
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert plan["template"]["metadata"]["annotations"]["cipipe.io/build-id"] == decision.build_id
    applied = "blueGreen" if decision.apply.strategy == "blue-green" else "canary"
    assert list(plan["strategy"]) == [applied]  # Argo's rolling update is a step-less canary
    assert not (work / "rollout-flagger.yaml").exists()


def test_flagger_cannot_export_the_shadow_rolling_default(
    cli: Cli, decide: Decide, work: Path, history_db: Path
) -> None:
    result = decide(work, "--export", "flagger")
    assert result.exit_code == 2
    assert "Flagger" in result.stderr and "rolling" in result.stderr
    assert not {p.name for p in work.iterdir()} & set(OUTPUTS)
    assert (
        audit_count(cli, work, history_db)
        == "audit log intact: 0 decisions, 0 outcomes, 0 model approvals"
    )


def test_explain_shows_contributors_and_bucket(cli: Cli, decide: Decide, work: Path) -> None:
    assert decide(work).exit_code == 0
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    result = cli("--workdir", work, "explain")
    assert result.exit_code == 0, result.stderr
    assert decision.top_contributors
    for contributor in decision.top_contributors:
        assert contributor.feature in result.stdout
    b = decision.bucket
    assert f"Score {decision.risk_score} falls in {b.min}-{b.max} ({b.strategy})" in result.stdout
    assert f"Recommended: {decision.recommended_strategy}" in result.stdout


def test_audit_verifies_and_shows_each_decision(
    cli: Cli, decide: Decide, work: Path, tmp_path: Path, history_db: Path
) -> None:
    assert decide(work).exit_code == 0
    first = json.loads((work / RiskDecision.FILE_NAME).read_text())
    other = write_workdir(tmp_path / "other", make_risk_inputs(build_id="8"))
    assert decide(other.path).exit_code == 0
    assert audit_count(cli, work, history_db) == (
        "audit log intact: 2 decisions, 0 outcomes, 0 model approvals"
    )
    result = cli("--workdir", work, "audit", "show", "--build", "7", "--db", history_db)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    stored = json.loads(line)
    # The log's copy cannot hold its own hash: the file's anchor names the record instead.
    assert stored["decision"]["decision"] == {**first, "audit": None}
    assert first["audit"]["heads"]["decisions"]["hash"] == stored["hash"]
    assert first["audit"]["heads"]["decisions"]["seq"] == stored["id"] == 1
    assert stored["decision"]["inputs"] == json.loads(
        (work / RiskInputsForDecision.FILE_NAME).read_text()
    )
