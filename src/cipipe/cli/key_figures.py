"""The one line per step of `cipipe run`'s summary table: the figure worth seeing at a glance,
read back from the file the step just wrote."""

from __future__ import annotations

from collections.abc import Callable

from cipipe.workdir import WorkDir


def _precheck(work: WorkDir) -> str:
    from cipipe.contracts.precheck import Precheck

    report = work.read(Precheck)
    findings = sum(len(c.findings) for c in report.checks)
    outcome: str = report.outcome
    if report.attention:
        outcome += f" (needs attention: {', '.join(report.attention)})"
    line = f"{outcome}, {findings} finding(s) from {len(report.checks)} check(s)"
    for check in report.checks:
        # Judged on changed lines: the whole files' count is information, never a finding.
        if check.whole_files is not None:
            whole = check.whole_files.findings
            line += f"; {check.name} on changed lines ({whole} in the whole files, not judged)"
    return line


def _matrix(work: WorkDir) -> str:
    from cipipe.contracts.matrix import Matrix

    return ", ".join(p.platform for p in work.read(Matrix).platforms)


def _build(work: WorkDir) -> str:
    from cipipe.contracts.artifacts import Artifacts

    artifacts = work.read(Artifacts)
    built = [p.platform for p in artifacts.platforms if p.status == "built"]
    skipped = [p.platform for p in artifacts.platforms if p.status == "skipped"]
    text = f"{len(artifacts.artifacts)} artifact(s) for {', '.join(built) or 'no platform'}"
    if artifacts.reproducibility.checked:
        text += (
            ", reproducible" if not artifacts.reproducibility.differing else ", NOT reproducible"
        )
    return text + (f"; skipped {', '.join(skipped)}" if skipped else "")


def _tests(work: WorkDir) -> str:
    from cipipe.contracts.testing import TestsReport

    report = work.read(TestsReport)
    ran = [p for p in report.platforms if p.status == "ran"]
    passed = sum(p.counts.passed for p in ran)
    failed = sum(p.counts.failed for p in ran)
    return f"{passed} passed, {failed} failed on {len(ran)} platform(s)"


def _sbom(work: WorkDir) -> str:
    from cipipe.contracts.deps_changed import DepsChanged

    deps = work.read(DepsChanged)
    change = f"{len(deps.added)} added, {len(deps.updated)} updated"
    compared = deps.status == "compared"
    return f"{deps.components} component(s); {change if compared else 'no baseline'}"


def _scan(work: WorkDir) -> str:
    from cipipe.contracts.scan import ScanReport

    c = work.read(ScanReport).counts
    return f"{c.critical} critical, {c.high} high, {c.medium} medium"


def _build_info(work: WorkDir) -> str:
    from cipipe.contracts.build_info import BuildInfo

    changes = work.read(BuildInfo).changes
    return f"{changes.files_changed} file(s), +{changes.lines_added} -{changes.lines_deleted}"


def _publish(work: WorkDir) -> str:
    from cipipe.contracts.publish import PublishReport

    r = work.read(PublishReport)
    return f"{len(r.files)} file(s), {r.bytes_sent} bytes sent, {r.files_skipped} already stored"


def _gate(work: WorkDir) -> str:
    from cipipe.contracts.gate import GateReport

    return work.read(GateReport).summary


def _notify(work: WorkDir) -> str:
    from cipipe.contracts.notification import NotificationLog

    if not work.exists(NotificationLog):
        return ""
    last = work.read(NotificationLog).messages[-1]
    if last.delivery is None:
        return "to notification.json"
    return f"to {last.delivery.target}" if last.delivery.ok else f"FAILED: {last.delivery.error}"


def _decision(work: WorkDir) -> str:
    from cipipe.contracts.risk_decision import RiskDecision

    d = work.read(RiskDecision)
    applied = f"; applying {d.apply.strategy}" if d.mode == "shadow" else ""
    return f"risk {d.risk_score} -> {d.recommended_strategy} ({d.mode}{applied})"


FIGURES: dict[str, Callable[[WorkDir], str]] = {
    "precheck": _precheck,
    "build-matrix": _matrix,
    "build": _build,
    "test": _tests,
    "sbom": _sbom,
    "scan": _scan,
    "build-info": _build_info,
    "publish": _publish,
    "gate": _gate,
    "notify": _notify,
    "checklist": lambda work: "ready for Step 3",
    "decide-strategy": _decision,
}


def key_figure(work: WorkDir, step: str) -> str:
    figure = FIGURES.get(step)
    return figure(work) if figure else ""
