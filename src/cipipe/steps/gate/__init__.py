"""cipipe gate (seed 11): a verdict from the reports, told to the store and the PR."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.github.interface import CodeHost
from cipipe.contracts.gate import GateReport
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.source import Source
from cipipe.formats.junit import JUnitCase, JUnitOutcome, junit_xml
from cipipe.steps.gate.evaluate import GateInputs, evaluate, verdict
from cipipe.steps.gate.feedback import mark_rejected, post_to_pr

JUNIT_PATH = "reports/junit-gates.xml"


def gate_junit(report: GateReport) -> str:
    """One testcase per gate: a blocking failure fails, a non-blocking issue is skipped with
    its reason (Jenkins shows it without marking the build unstable)."""
    cases = []
    outcome: JUnitOutcome
    for gate in report.gates:
        if gate.status in ("failed", "missing"):
            outcome, message = "failed", f"{gate.status}: {gate.reason}"
        elif gate.status in ("warning", "skipped"):
            prefix = "needs attention" if gate.status == "warning" else "skipped"
            outcome, message = "skipped", f"{prefix}: {gate.reason}"
        else:
            outcome, message = "passed", None
        cases.append(
            JUnitCase(
                classname="cipipe.gate",
                name=gate.name,
                time=0.0,
                outcome=outcome,
                message=message,
            )
        )
    return junit_xml({"cipipe.gate": cases})


@dataclass(frozen=True)
class PullRequest:
    repo: str  # OWNER/NAME
    number: int | None  # None: a branch build, only the commit status is set


def judge(inputs: GateInputs, source: Source, build_id: str) -> GateReport:
    gates = evaluate(inputs)
    result, summary = verdict(gates)
    return GateReport(
        service=inputs.config.service,
        build_id=build_id,
        commit=source.commit,
        verdict=result,
        summary=summary,
        gates=gates,
        junit=JUNIT_PATH,
    )


def tell(
    report: GateReport,
    *,
    published: PublishReport | None,
    open_store: Callable[[PublishReport], ArtifactStore],
    host: CodeHost | None,
    pull_request: PullRequest | None,
    env: Mapping[str, str],
) -> GateReport:
    """The report with the outcome of each piece of feedback added."""
    feedback = []
    if report.verdict == "rejected" and published is not None:
        feedback.append(mark_rejected(open_store(published), published))
    if host is not None and pull_request is not None:
        feedback += post_to_pr(
            host, pull_request.repo, pull_request.number, report, env.get("BUILD_URL")
        )
    return report.model_copy(update={"feedback": feedback})
