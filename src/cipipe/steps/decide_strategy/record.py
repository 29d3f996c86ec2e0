"""Putting the decision where people look (seed Step 3 F, G, J): the audit log, the candidate
in the artifact store, and a concise message on the notification channel."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from cipipe.adapters.artifact_store.interface import ArtifactStore, LocalFile, join_path
from cipipe.adapters.history.audit_records import DecisionRecord, Head
from cipipe.adapters.history.interface import HistoryStore
from cipipe.adapters.notifications.interface import Message
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import Pace, RiskDecision, RiskInputsForDecision
from cipipe.digests import digest_file
from cipipe.steps.audit.anchor import upload as upload_anchor

TOP_IN_MESSAGE = 3


def audit(history: HistoryStore, inputs: RiskInputsForDecision, decision: RiskDecision) -> Head:
    """Append the decision, with the inputs it was made from, to the hash-chained log (signed
    when the store has the audit key); returns its place, hash and signature."""
    record = DecisionRecord(
        service=decision.service,
        build_id=decision.build_id,
        decided_at=datetime.fromisoformat(decision.decided_at.replace("Z", "+00:00")),
        decided_by=decision.decided_by,
        mode=decision.mode,
        policy_version=decision.policy_version,
        model_version=decision.model_version,
        risk_score=float(decision.risk_score),
        strategy=decision.recommended_strategy,
        document={
            "decision": json.loads(decision.to_json()),
            "inputs": json.loads(inputs.to_json()),
        },
    )
    return history.append_decision(record)


def risk_properties(decision: RiskDecision) -> dict[str, str]:
    properties = {
        "risk.score": str(decision.risk_score),
        "risk.strategy": decision.recommended_strategy,
        "risk.applied_strategy": decision.apply.strategy,
        "risk.policy_version": decision.policy_version,
        "risk.mode": decision.mode,
        "risk.manual_approval": "true" if decision.manual_approval_required else "false",
    }
    if decision.policy.policy_source is not None:
        # builtin, folder or url: a candidate decided on cipipe's own defaults is visible as such.
        properties["risk.policy_source"] = decision.policy.policy_source
    return properties


def attach(
    store: ArtifactStore, published: PublishReport, decision: RiskDecision, decision_file: Path
) -> list[str]:
    """Upload the decision's audit anchor and risk-decision.json beside the build's files and
    set risk.* properties on each of them; returns the store paths touched. The anchor goes
    first: it is what protects the audit log. Properties are set file by file, so a rerun
    after a failure simply sets them again."""
    touched = [] if decision.audit is None else [upload_anchor(store, decision.audit)]
    properties = risk_properties(decision)
    d = digest_file(decision_file)
    local = LocalFile(decision_file, d.size, d.sha256, d.sha1, d.md5)
    base = {
        "build.name": published.service,
        "build.number": published.build_id,
        "service": published.service,
        "state": published.state,
    }
    target = join_path(published.service, published.build_id, RiskDecision.FILE_NAME)
    store.upload(local, target, {**base, **properties})
    touched.append(target)
    for file in published.files:
        store.set_properties(file.path, properties)
        touched.append(file.path)
    return touched


def pace_line(pace: Pace) -> str:
    if pace.strategy == "rolling":
        return f"batches of {pace.batch_percent}% of hosts"
    if pace.strategy == "canary":
        steps = " -> ".join(f"{s.weight}% ({s.window})" for s in pace.steps)
        return f"canary {steps}, checked every {pace.analysis.interval}"
    return f"green, then cutover after {pace.healthy_windows} healthy windows of {pace.window}"


def decision_message(decision: RiskDecision) -> Message:
    """Score, strategy, pace, the top three contributors and whether approval is needed."""
    d = decision
    title = f"{d.service} build {d.build_id}: risk {d.risk_score} -> {d.recommended_strategy}"
    top = [f"{c.feature} {c.points:+g}" for c in d.top_contributors[:TOP_IN_MESSAGE]] or [
        "no contributor"
    ]
    approval = (
        "manual approval required: " + "; ".join(d.manual_approval_reasons)
        if d.manual_approval_required
        else "no manual approval needed"
    )
    lines = [
        f"Risk score {d.risk_score}/100 ({d.mode} mode, policy {d.policy_version[:19]})",
        f"Strategy: {d.recommended_strategy}, {pace_line(d.suggested_pace)}",
        "Top contributors: " + ", ".join(top),
        approval[0].upper() + approval[1:],
    ]
    if d.mode == "shadow":
        lines.append(f"Applied now: {d.apply.strategy} ({d.apply.reason})")
    if d.rejected_by_gate is not None:
        lines.append(
            f"Rejected by the gate, decided for analysis only: no rollout ({d.rejected_by_gate})"
        )
    text = "\n".join(lines)
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
    ]
    markdown = f"## {title}\n\n" + "\n".join(f"- {line}" for line in lines) + "\n"
    return Message(
        key=f"{d.service}/{d.build_id}",
        title=title,
        text=text,
        markdown=markdown,
        blocks=blocks,
        severity="warning" if d.manual_approval_required or d.rejected_by_gate else "info",
    )
