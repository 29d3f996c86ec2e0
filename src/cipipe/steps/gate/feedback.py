"""Telling people: the candidate's state in the artifact store, the PR comment, the commit
status. Each action's outcome is recorded in gate.json; a failed one never changes the
verdict (the verdict is what the reports say, not whether GitHub was reachable)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.github.interface import CodeHost, StatusState
from cipipe.contracts.gate import FeedbackResult, GateReport
from cipipe.contracts.publish import PublishReport
from cipipe.errors import CipipeError

log = logging.getLogger("cipipe.gate")

COMMENT_MARKER = "<!-- cipipe:gate -->"
STATUS_CONTEXT = "cipipe/gate"
_ICONS = {"passed": "✅", "failed": "❌", "missing": "❌", "warning": "⚠️", "skipped": "⏭️"}


def _attempt(target: str, action: str, call: Callable[[], str | None]) -> FeedbackResult:
    try:
        url = call()
    except CipipeError as exc:
        log.warning("%s: %s failed: %s", target, action, exc)
        return FeedbackResult(target=target, action=action, ok=False, error=str(exc))
    return FeedbackResult(target=target, action=action, ok=True, url=url)


def mark_rejected(store: ArtifactStore, published: PublishReport) -> FeedbackResult:
    """state=rejected on every file of the build, so nothing promotes a rejected candidate."""

    def run() -> None:
        for file in published.files:
            store.set_properties(file.path, {"state": "rejected"})

    return _attempt(store.location, f"state=rejected on {len(published.files)} file(s)", run)


def comment_body(report: GateReport, build_url: str | None) -> str:
    lines = [
        COMMENT_MARKER,
        f"### cipipe gate: **{report.verdict}** for build {report.build_id} "
        f"(`{report.commit[:12]}`)",
        "",
        report.summary,
        "",
        "| gate | status | why |",
        "| --- | --- | --- |",
    ]
    for gate in report.gates:
        icon = _ICONS.get(gate.status, "")
        blocking = "" if gate.mandatory else " (advisory)"
        reason = gate.reason.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {gate.name}{blocking} | {icon} {gate.status} | {reason} |")
    if build_url:
        lines += ["", f"Build log: {build_url}"]
    lines += ["", "_This comment is updated in place on every run of the gate._"]
    return "\n".join(lines) + "\n"


def post_to_pr(
    host: CodeHost,
    repo: str,
    number: int | None,
    report: GateReport,
    build_url: str | None,
) -> list[FeedbackResult]:
    """The commit status always (branch protection requires it); the comment on a PR."""
    results = []
    state: StatusState = "failure" if report.verdict == "rejected" else "success"
    where = f"{repo}@{report.commit[:12]}"

    def status() -> None:
        host.set_status(repo, report.commit, state, STATUS_CONTEXT, report.summary, build_url)

    results.append(_attempt(where, f"status {STATUS_CONTEXT}={state}", status))
    if number is not None:

        def comment() -> str:
            return host.upsert_comment(
                repo, number, COMMENT_MARKER, comment_body(report, build_url)
            ).url

        results.append(_attempt(f"{repo}#{number}", "comment", comment))
    return results
