"""The build message (seed 10): outcome and verdict, links, tests per platform, the risk
decision, and what happens next, as Block Kit blocks with a plain-text twin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cipipe.adapters.notifications.interface import Message, Severity
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.gate import GateReport
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.contracts.testing import TestsReport

TOP_CONTRIBUTORS = 3
_SEVERITY: dict[str, Severity] = {
    "passed": "info",
    "needs-attention": "warning",
    "rejected": "failure",
}
MAX_ARTIFACT_LINKS = 10


@dataclass(frozen=True)
class BuildReports:
    service: str
    build_id: str
    commit: str
    branch: str | None
    gate: GateReport | None
    tests: TestsReport | None
    published: PublishReport | None
    decision: RiskDecision | None
    artifacts: Artifacts | None = None  # which planned platforms were built, failed, skipped


def _outcome(r: BuildReports) -> tuple[str, Severity]:
    if r.gate is None:
        return "built (no gate verdict yet)", "warning"
    return r.gate.verdict, _SEVERITY[r.gate.verdict]


def _tests(tests: TestsReport | None) -> list[str]:
    if tests is None:
        return ["tests: no tests.json"]
    lines = []
    for p in tests.platforms:
        if p.status != "ran":
            lines.append(f"{p.platform}: not run ({p.reason})")
            continue
        c = p.counts
        extra = f", {c.flaky} flaky" if c.flaky else ""
        extra += f", {c.errors} crashed" if c.errors else ""
        cov = (
            f", coverage {p.coverage.line_percent:.1f}%"
            if p.coverage and p.coverage.line_percent is not None
            else ""
        )
        lines.append(f"{p.platform}: {c.passed} passed, {c.failed} failed{extra}{cov}")
    return lines


def _links(r: BuildReports, env: Mapping[str, str]) -> list[tuple[str, str]]:
    links = []
    if env.get("BUILD_URL"):
        links.append(("build log", env["BUILD_URL"].rstrip("/") + "/console"))
    if r.published is not None:
        info = next((f for f in r.published.files if f.path.endswith("/build-info.json")), None)
        if info is not None:
            links.append(("build-info", info.url))
        artifacts = [f for f in r.published.files if f.platform is not None]
        links += [(f.path.rsplit("/", 1)[-1], f.url) for f in artifacts[:MAX_ARTIFACT_LINKS]]
    return links


def _decision(d: RiskDecision | None) -> list[str]:
    if d is None:
        return []
    top = ", ".join(f"{c.feature} {c.points:+g}" for c in d.top_contributors[:TOP_CONTRIBUTORS])
    line = f"risk {d.risk_score}/100 -> {d.recommended_strategy} ({d.mode} mode"
    line += f", applying {d.apply.strategy})" if d.mode == "shadow" else ")"
    return [line, f"top contributors: {top or 'none'}"]


def _next_steps(r: BuildReports) -> list[str]:
    steps = []
    if r.gate is None:
        steps.append("run `cipipe gate` for a verdict")
    elif r.gate.verdict == "rejected":
        failed = [g.name for g in r.gate.gates if g.mandatory and g.status in ("failed", "missing")]
        steps.append("fix before integration: " + ", ".join(failed))
    elif r.gate.verdict == "needs-attention":
        review = [g.name for g in r.gate.gates if g.status == "warning"]
        steps.append("integration may proceed; manual QA / review of: " + ", ".join(review))
    else:
        steps.append("ready for integration")
    if r.decision is not None and r.decision.apply.manual_approval_required:
        steps.append("manual approval needed: " + "; ".join(r.decision.manual_approval_reasons))
    return steps


def _published_without(r: BuildReports) -> str:
    """The optional platforms the candidate lacks, said where the verdict is read."""
    missing = r.published.missing_platforms if r.published else []
    return f"\npublished without {', '.join(missing)} (optional, not built)" if missing else ""


def _platforms(r: BuildReports) -> str:
    """The platforms built, and apart from them those skipped or failed: a platform skipped for
    want of a toolchain shipped nothing and must not read as built."""
    if r.artifacts is None:
        return ""
    by_status: dict[str, list[str]] = {"built": [], "skipped": [], "failed": []}
    for p in r.artifacts.platforms:
        named = p.platform if p.status == "built" or not p.reason else f"{p.platform} ({p.reason})"
        by_status[p.status].append(named)
    line = "built for " + (", ".join(by_status["built"]) or "no platform")
    for status in ("skipped", "failed"):
        if by_status[status]:
            line += f"; {status}: " + ", ".join(by_status[status])
    return "\n" + line


def _mrkdwn(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_message(r: BuildReports, env: Mapping[str, str]) -> Message:
    outcome, severity = _outcome(r)
    title = f"{r.service} build {r.build_id}: {outcome}"
    where = f"commit {r.commit[:12]}" + (f" on {r.branch}" if r.branch else "")
    summary = (r.gate.summary if r.gate else "no gate verdict") + _platforms(r)
    summary += _published_without(r)
    tests, decision, steps, links = (
        _tests(r.tests),
        _decision(r.decision),
        _next_steps(r),
        _links(r, env),
    )
    text_lines = [title, where, summary, *tests, *decision, *(f"next: {s}" for s in steps)]
    text_lines += [f"{name}: {url}" for name, url in links]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(f"{where}\n{summary}")}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Tests*\n" + _mrkdwn("\n".join(tests))},
        },
    ]
    if decision:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Risk*\n" + _mrkdwn("\n".join(decision))},
            }
        )
    blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Next*\n" + _mrkdwn("\n".join(steps))},
        }
    )
    if links:
        rendered = " · ".join(f"<{url}|{_mrkdwn(name)}>" for name, url in links)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": rendered}]})
    markdown = "\n".join(
        [
            f"{where}. {summary}.",
            "",
            *(f"- {line}" for line in tests),
            *(["", *(f"- {line}" for line in decision)] if decision else []),
            "",
            *(f"- **next:** {s}" for s in steps),
            *(["", " · ".join(f"[{name}]({url})" for name, url in links)] if links else []),
        ]
    )
    return Message(
        key=f"{r.service}/{r.build_id}",
        title=title,
        text="\n".join(text_lines),
        markdown=markdown + "\n",
        blocks=blocks,
        severity=severity,
    )
