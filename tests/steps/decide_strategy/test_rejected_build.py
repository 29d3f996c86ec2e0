"""decide-strategy on a build the gate rejected: exit 1 "rejected by the gate: no rollout" with
nothing audited, written or attached (gate.json in the work folder, or state=rejected in the
store); with --allow-rejected a decision for analysis that says so and marks no rejected file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.gate import GateReport, Verdict
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.steps.gate.feedback import mark_rejected
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs
from tests.steps.decide_strategy.candidates import DECISION_PATH, published
from tests.steps.decide_strategy.conftest import Decide

Cli = Callable[..., CliResult]
OUTPUTS = ("risk-decision.json", "risk-inputs-for-decision.json")


def gate_report(verdict: Verdict = "rejected", build_id: str = "7") -> GateReport:
    return GateReport(
        service="svc",
        build_id=build_id,
        commit="c" * 40,
        verdict=verdict,
        summary=f"{verdict}: build (failed)",
        gates=[],
        junit="reports/junit-gates.xml",
    )


def decisions(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute("SELECT count(*) FROM decisions").fetchone()
    return int(count)


def store_state(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def judged(work: Path, gate: GateReport) -> Path:
    """A work folder holding risk-inputs.json and this gate.json; returns it."""
    WorkDir(work).write(make_risk_inputs())
    WorkDir(work).write(gate)
    return work


def rejected_in_store(
    cli: Cli, tmp_path: Path
) -> tuple[Path, tuple[str, str], LocalFolderStore, PublishReport]:
    """A build published to a local store, then marked rejected there as the gate does; returns
    the work folder, the --target option naming the store, the store and the publish report."""
    work, folder = tmp_path / "work", tmp_path / "store"
    target = ("--target", f"file://{folder}")
    report = published(cli, work, *target)
    store = LocalFolderStore(folder)
    assert mark_rejected(store, report).ok
    return work, target, store, report


def assert_refused(result: CliResult, says: str, work: Path, history_db: Path) -> None:
    """Exit 1 with the reason, and nothing decided: no output file, no audited decision."""
    assert result.exit_code == 1
    assert says in result.stderr
    assert not any((work / name).exists() for name in OUTPUTS)
    assert decisions(history_db) == 0


def test_gate_json_rejected_refuses_before_anything(
    decide: Decide, tmp_path: Path, history_db: Path
) -> None:
    work = judged(tmp_path / "work", gate_report())
    says = "svc build 7: rejected by the gate: no rollout (gate.json: rejected"
    assert_refused(decide(work), says, work, history_db)


def test_a_rejected_candidate_in_the_store_is_refused_and_left_alone(
    cli: Cli, decide: Decide, tmp_path: Path, history_db: Path
) -> None:
    work, target, store, _ = rejected_in_store(cli, tmp_path)
    before = store_state(store.root)
    says = "rejected by the gate: no rollout (state=rejected on svc/7/"
    assert_refused(decide(work, *target), says, work, history_db)
    assert store_state(store.root) == before


def test_allow_rejected_decides_for_analysis_and_marks_no_rejected_file(
    cli: Cli, decide: Decide, tmp_path: Path, history_db: Path
) -> None:
    work, target, store, report = rejected_in_store(cli, tmp_path)
    before = {f.path: store.stat(f.path) for f in report.files}
    result = decide(work, *target, "--allow-rejected")
    assert result.exit_code == 0, result.stderr
    assert "deciding for analysis only" in result.stderr
    decision = WorkDir(work).read(RiskDecision)
    assert decision.rejected_by_gate is not None
    assert decision.rejected_by_gate.startswith("state=rejected on svc/7/")
    assert decisions(history_db) == 1
    for file in report.files:  # not one property changed on the rejected files
        assert store.stat(file.path) == before[file.path]
    assert store.stat(DECISION_PATH) is None
    assert decision.audit is not None  # the anchor still goes beside the build


def test_allow_rejected_with_gate_json_records_the_verdict(
    decide: Decide, tmp_path: Path, history_db: Path
) -> None:
    work = judged(tmp_path / "work", gate_report())
    result = decide(work, "--allow-rejected")
    assert result.exit_code == 0, result.stderr
    decision = WorkDir(work).read(RiskDecision)
    assert decision.rejected_by_gate == "gate.json: rejected: build (failed)"
    assert decisions(history_db) == 1
    message = (work / "notification.md").read_text()
    assert "Rejected by the gate, decided for analysis only: no rollout" in message


def test_a_passed_gate_or_another_builds_gate_json_does_not_stop_it(
    decide: Decide, tmp_path: Path
) -> None:
    work = judged(tmp_path / "work", gate_report("needs-attention"))
    assert decide(work).exit_code == 0
    WorkDir(work).write(gate_report(build_id="6"))
    result = decide(work)
    assert result.exit_code == 0, result.stderr
    assert "gate.json is of svc build 6, not of svc build 7" in result.stderr
    assert WorkDir(work).read(RiskDecision).rejected_by_gate is None


def test_a_candidate_the_gate_passed_is_attached_as_before(
    cli: Cli, decide: Decide, tmp_path: Path
) -> None:
    work, folder = tmp_path / "work", tmp_path / "store"
    target = ("--target", f"file://{folder}")
    published(cli, work, *target)
    WorkDir(work).write(gate_report("passed"))
    assert decide(work, *target).exit_code == 0
    report = WorkDir(work).read(PublishReport)
    stored = LocalFolderStore(folder).stat(report.files[0].path)
    assert stored is not None and "risk.score" in stored.properties
