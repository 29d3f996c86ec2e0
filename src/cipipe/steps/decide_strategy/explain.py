"""`cipipe explain`: a decision on one screen, for the SRE who has to trust it."""

from __future__ import annotations

from cipipe.contracts.risk_decision import RiskDecision
from cipipe.steps.decide_strategy.record import pace_line

BAR_WIDTH = 30


def _bar(points: float, largest: float) -> str:
    if largest <= 0:
        return ""
    length = max(1, round(abs(points) / largest * BAR_WIDTH))
    return ("#" if points > 0 else "-") * length


def _buckets(d: RiskDecision) -> list[str]:
    scale = " | ".join(f"{b.min}-{b.max} {b.strategy}" for b in d.buckets)
    return [
        f"Buckets: {scale}; manual approval at {d.manual_approval_at} or more",
        f"Score {d.risk_score} falls in {d.bucket.min}-{d.bucket.max} ({d.bucket.strategy})",
    ]


def explain(decision: RiskDecision) -> str:
    """The breakdown as plain text: a bar per contributor, the buckets, the overrides."""
    d = decision
    lines = [
        f"{d.service} build {d.build_id} (commit {d.commit[:12]})",
        f"decided {d.decided_at} by {d.decided_by}, {d.mode} mode ({d.mode_reason})",
        "",
        f"Risk score {d.risk_score}/100 (sum of contributors {d.score_before_clamp:g}, "
        "rounded and clamped)",
        "",
    ]
    if d.top_contributors:
        width = max(len(c.feature) for c in d.top_contributors) + 10
        largest = max(abs(c.points) for c in d.top_contributors)
        for c in d.top_contributors:
            name = c.feature + (" (missing)" if c.status == "missing" else "")
            lines.append(f"  {name:<{width}} {c.points:>+8.2f}  {_bar(c.points, largest)}")
            lines.append(f"  {'':<{width}}           {c.rule}")
        lines.append(f"  {'= ' + format(d.score_before_clamp, 'g'):>{width + 9}}")
    else:
        lines.append("  no contributor: nothing raised or lowered the score")
    lines.append("")
    lines += _buckets(d)
    lines.append("")
    if d.overrides_applied:
        lines.append("Overrides:")
        lines += [f"  - {o.rule}: {o.effect} ({o.reason})" for o in d.overrides_applied]
    else:
        lines.append("Overrides: none")
    lines.append(f"Recommended: {d.recommended_strategy}, {pace_line(d.suggested_pace)}")
    if d.manual_approval_required:
        lines.append("Manual approval: REQUIRED (" + "; ".join(d.manual_approval_reasons) + ")")
    else:
        lines.append("Manual approval: not required")
    if d.mode == "shadow":
        lines.append(
            f"Applied now: {d.apply.strategy}, {pace_line(d.apply.pace)} ({d.apply.reason})"
        )
    if d.missing_inputs:
        lines.append("Missing inputs: " + ", ".join(d.missing_inputs))
    commit = f", commit {d.policy.git_commit[:12]}" if d.policy.git_commit else ""
    lines.append(f"Policy: {d.policy_version} from {d.policy.source}{commit}")
    lines.append(f"Model: {d.model_version or 'none (heuristic)'}")
    if d.model is not None and d.model.service_fallback is not None:
        lines.append(f"Model service not used: {d.model.service_fallback}")
    return "\n".join(lines) + "\n"
