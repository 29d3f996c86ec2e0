"""From a risk score to a strategy and its pace (seed Step 3 D), then the overrides.

Overrides only ever make a rollout more careful: a forced strategy replaces the bucket's
only when it ranks higher (rolling < canary < blue-green), and manual approval once required
stays required. The hotfix rule is the one that changes the pace: a smaller first canary step
watched in shorter windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cipipe.contracts.risk_decision import (
    AnalysisGates,
    BlueGreenPace,
    Bucket,
    CanaryPace,
    CanaryStep,
    MetricGate,
    OverrideApplied,
    Pace,
    RollingPace,
    Signal,
    Strategy,
)
from cipipe.risk.changes import ChangeFacts
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.policy.models import CanaryPacePolicy, format_duration

_RANK: dict[Strategy, int] = {"rolling": 0, "canary": 1, "blue-green": 2}


@dataclass
class Choice:
    bucket: Bucket
    approval_at: int
    strategy: Strategy
    pace: Pace
    manual_approval: bool
    approval_reasons: list[str] = field(default_factory=list)
    overrides: list[OverrideApplied] = field(default_factory=list)
    manual_override_allowed: bool = False


def _bucket(score: int, bundle: PolicyBundle) -> Bucket:
    for bucket in bundle.mapping.buckets:
        if bucket.min <= score <= bucket.max:
            return Bucket(strategy=bucket.strategy, min=bucket.min, max=bucket.max)
    raise AssertionError(f"the policy's buckets cover 0-100, yet not {score}")  # validated


def _watch(service: str, bundle: PolicyBundle) -> tuple[int, int]:
    """(window seconds, healthy windows) for blue-green: the service's watch, else the pace."""
    override = bundle.thresholds.services.get(service)
    if override is not None and override.watch is not None:
        return override.watch.window, override.watch.healthy_windows
    pace = bundle.mapping.pace.blue_green
    return pace.window, pace.healthy_windows


def _analysis(interval: int, bundle: PolicyBundle) -> AnalysisGates:
    policy = bundle.thresholds.analysis
    return AnalysisGates(
        interval=format_duration(interval),
        interval_seconds=interval,
        failure_limit=policy.failure_limit,
        metrics=[MetricGate(name=m.name, min=m.min, max=m.max) for m in policy.metrics],
    )


def rolling_pace(bundle: PolicyBundle, position: float) -> RollingPace:
    """``position`` 0 is the bottom of the rolling bucket (largest batches), 1 its top."""
    policy = bundle.mapping.pace.rolling
    span = policy.max_batch_percent - policy.min_batch_percent
    batch = policy.max_batch_percent - int(span * min(1.0, max(0.0, position)))
    return RollingPace(
        batch_percent=batch,
        min_batch_percent=policy.min_batch_percent,
        max_batch_percent=policy.max_batch_percent,
    )


def canary_pace(bundle: PolicyBundle, service: str, canary: CanaryPacePolicy) -> CanaryPace:
    window = bundle.thresholds.watch.window
    override = bundle.thresholds.services.get(service)
    if override is not None and override.watch is not None:
        window = override.watch.window
    # Checked at least once per step: a short hotfix step gets a shorter interval.
    interval = min([window, *canary.windows])
    steps = [
        CanaryStep(weight=w, window=format_duration(s), window_seconds=s)
        for w, s in zip(canary.weights, canary.windows, strict=True)
    ]
    return CanaryPace(steps=steps, analysis=_analysis(interval, bundle))


def blue_green_pace(bundle: PolicyBundle, service: str) -> BlueGreenPace:
    window, healthy = _watch(service, bundle)
    return BlueGreenPace(
        healthy_windows=healthy,
        window=format_duration(window),
        window_seconds=window,
        analysis=_analysis(window, bundle),
    )


def pace_for(strategy: Strategy, bundle: PolicyBundle, service: str, position: float) -> Pace:
    if strategy == "rolling":
        return rolling_pace(bundle, position)
    if strategy == "canary":
        return canary_pace(bundle, service, bundle.mapping.pace.canary)
    return blue_green_pace(bundle, service)


def _approval_at(service: str, bundle: PolicyBundle) -> tuple[int, str]:
    override = bundle.thresholds.services.get(service)
    if override is not None and override.manual_approval_at is not None:
        return override.manual_approval_at, f"services.{service}.manual_approval_at"
    return bundle.mapping.manual_approval_at, "manual_approval_at"


def _force(choice: Choice, rule: str, strategy: Strategy, approval: bool, reason: str) -> None:
    effects = []
    if _RANK[strategy] > _RANK[choice.strategy]:
        effects.append(f"{choice.strategy} -> {strategy}")
        choice.strategy = strategy
    elif strategy != choice.strategy:
        effects.append(f"{choice.strategy} kept (already more careful than {strategy})")
    else:
        effects.append(f"{strategy} confirmed")
    if approval:
        effects.append("manual approval required")
        choice.manual_approval = True
        choice.approval_reasons.append(f"{rule}: {reason}")
    choice.overrides.append(OverrideApplied(rule=rule, effect="; ".join(effects), reason=reason))


def choose(
    risk_score: int, signals: Mapping[str, Signal], facts: ChangeFacts, bundle: PolicyBundle
) -> Choice:
    service = facts.service
    bucket = _bucket(risk_score, bundle)
    threshold, threshold_key = _approval_at(service, bundle)
    choice = Choice(
        bucket=bucket,
        approval_at=threshold,
        strategy=bucket.strategy,
        pace=RollingPace(batch_percent=100, min_batch_percent=100, max_batch_percent=100),
        manual_approval=risk_score >= threshold,
    )
    if choice.manual_approval:
        choice.approval_reasons.append(f"risk score {risk_score} >= {threshold} ({threshold_key})")
    overrides = bundle.mapping.overrides
    if signals["critical_vulnerability"].value is True:
        count = signals["critical_vulnerabilities"].value
        critical = overrides.critical_vulnerability
        _force(
            choice,
            "overrides.critical_vulnerability",
            critical.strategy,
            critical.manual_approval,
            f"{count:g} critical vulnerabilities in scan.json"
            if isinstance(count, float)
            else "critical vulnerabilities in scan.json",
        )
    for key, reason in (
        ("db_schema_change", facts.db_schema_reason),
        ("kernel_driver_change", facts.kernel_driver_reason),
    ):
        if reason:
            rule = getattr(overrides, key)
            _force(choice, f"overrides.{key}", rule.strategy, rule.manual_approval, reason)
    freeze = signals["change_freeze"]
    if freeze.value is True:
        _force(
            choice,
            "calendar.change_freeze",
            choice.strategy,
            True,
            f"change freeze ({freeze.source})",
        )
    position = (risk_score - bucket.min) / max(1, bucket.max - bucket.min)
    choice.pace = pace_for(choice.strategy, bundle, service, position)
    if facts.hotfix_reason:
        _hotfix(choice, bundle, service, facts.hotfix_reason)
    return choice


def _hotfix(choice: Choice, bundle: PolicyBundle, service: str, reason: str) -> None:
    rule = bundle.mapping.overrides.hotfix
    choice.manual_override_allowed = rule.allow_manual_override
    if choice.strategy == "blue-green":
        effect = "blue-green kept (a hotfix never lowers a forced or high-risk strategy)"
    else:
        effect = f"{choice.strategy} -> canary from {rule.canary.weights[0]}% in shorter windows"
        choice.strategy = "canary"
        choice.pace = canary_pace(bundle, service, rule.canary)
    if rule.allow_manual_override:
        effect += "; a manual override is allowed"
    choice.overrides.append(OverrideApplied(rule="overrides.hotfix", effect=effect, reason=reason))
