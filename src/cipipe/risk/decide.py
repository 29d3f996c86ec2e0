"""The decision as a pure function: risk inputs + context + policy -> the two output files.

No clock, no environment and no I/O in here: the caller passes the time and the automation
id, so the same inputs and the same policy give byte-identical files apart from
``decided_at`` and ``decided_by``; the calendar is read at the planned deploy time when the
context gives one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cipipe import __version__
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.risk_decision import (
    Application,
    Bucket,
    Contributor,
    Mode,
    ModelUse,
    PolicyRef,
    RiskDecision,
    RiskInputsForDecision,
    Signal,
)
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.risk.changes import ChangeFacts, detect
from cipipe.risk.heuristic import Score, score, score_from
from cipipe.risk.model.decision_score import ModelChoice, model_contributors, model_row
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.signals import calendar_state, normalise
from cipipe.risk.strategy import Choice, choose, pace_for


@dataclass(frozen=True)
class Decided:
    inputs: RiskInputsForDecision
    decision: RiskDecision


def sha256_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def choose_mode(flag: Mode | None, service: str, bundle: PolicyBundle) -> tuple[Mode, str]:
    enforcement = bundle.thresholds.enforcement
    if flag is not None:
        return flag, f"--mode {flag}"
    if service in enforcement.enforce_services:
        return "enforce", f"{service} is in enforcement.enforce_services"
    return enforcement.default_mode, "enforcement.default_mode"


def _ranked(contributors: Sequence[Contributor]) -> list[Contributor]:
    # Largest effect first; the formula's order breaks ties so the output is stable.
    nonzero = [(i, c) for i, c in enumerate(contributors) if c.points != 0]
    return [c for _, c in sorted(nonzero, key=lambda item: (-abs(item[1].points), item[0]))]


def _model_score(
    choice: ModelChoice,
    heuristic: Score,
    inputs: RiskInputs,
    signals: Mapping[str, Signal],
    facts: ChangeFacts,
    bundle: PolicyBundle,
) -> tuple[Score, ModelUse]:
    """The approved model's score, or the heuristic's with the reason it had to decide."""
    if choice.model is None:
        reason = choice.problem or "no model"
        return heuristic, ModelUse(
            version=choice.version,
            scored=False,
            probability=None,
            reason=f"the heuristic decided: {reason}",
        )
    try:
        row = model_row(choice.model.features, inputs, heuristic.risk_score, choice.store_row)
    except LookupError as exc:
        return heuristic, ModelUse(
            version=choice.version,
            scored=False,
            probability=None,
            reason=f"the heuristic decided: {exc}",
        )
    features, probability = model_contributors(choice.model, row, bundle)
    scored = score_from(features, signals, facts, bundle, missing_inputs=heuristic.missing_inputs)
    return scored, ModelUse(
        version=choice.version,
        scored=True,
        probability=round(probability, 6),
        reason=f"approved model {choice.version} scored (heuristic: {heuristic.risk_score})",
        scored_by="local",
    )


def _scored(
    inputs: RiskInputs,
    signals: Mapping[str, Signal],
    facts: ChangeFacts,
    bundle: PolicyBundle,
    model: ModelChoice | None,
) -> tuple[Score, ModelUse | None]:
    """The heuristic's score, or the model's when the caller asked for one."""
    result = score(signals, facts, bundle)
    if model is None:
        return result, None
    return _model_score(model, result, inputs, signals, facts, bundle)


def _application(mode: Mode, choice: Choice, bundle: PolicyBundle, service: str) -> Application:
    """What is applied: the recommendation in enforce mode, the configured default in shadow."""
    if mode == "enforce":
        return Application(
            strategy=choice.strategy,
            pace=choice.pace,
            manual_approval_required=choice.manual_approval,
            reason="enforce mode: the recommendation is applied",
        )
    default = bundle.thresholds.enforcement.shadow_strategy
    return Application(
        strategy=default,
        pace=pace_for(default, bundle, service, 1.0),
        manual_approval_required=False,
        reason=f"shadow mode: the configured default ({default}) is applied; "
        f"{choice.strategy} is what the policy would have chosen",
    )


def _missing_inputs(result: Score, facts: ChangeFacts) -> list[str]:
    missing = list(result.missing_inputs)
    if facts.paths_unknown:
        missing.append("changed_paths")
    return missing


def _policy_ref(bundle: PolicyBundle, policy_source: str) -> PolicyRef:
    return PolicyRef(
        version=bundle.version_id,
        git_commit=bundle.git_commit,
        source=policy_source,
        policy_source=bundle.origin,
        cipipe_version=__version__,
    )


def decide(
    inputs: RiskInputs,
    inputs_sha256: str,
    context: DecisionContext,
    bundle: PolicyBundle,
    *,
    policy_source: str,
    changed_paths: Sequence[str] | None,
    mode_flag: Mode | None,
    now: datetime,
    decided_by: str,
    model: ModelChoice | None = None,
) -> Decided:
    calendar = calendar_state(bundle, context, now)
    signals = normalise(inputs, context, calendar, changed_paths)
    for_decision = RiskInputsForDecision(
        service=inputs.service,
        build_id=inputs.build_id,
        commit=inputs.commit,
        risk_inputs_sha256=inputs_sha256,
        risk_inputs=inputs,
        context=context,
        signals=signals,
        calendar=calendar,
    )
    facts = detect(inputs.service, signals, bundle)
    result, model_use = _scored(inputs, signals, facts, bundle, model)
    choice = choose(result.risk_score, signals, facts, bundle)
    mode, mode_reason = choose_mode(mode_flag, inputs.service, bundle)
    decision = RiskDecision(
        service=inputs.service,
        build_id=inputs.build_id,
        commit=inputs.commit,
        risk_score=result.risk_score,
        score_before_clamp=result.score_before_clamp,
        top_contributors=_ranked(result.contributors),
        missing_inputs=_missing_inputs(result, facts),
        bucket=choice.bucket,
        buckets=[Bucket(strategy=b.strategy, min=b.min, max=b.max) for b in bundle.mapping.buckets],
        manual_approval_at=choice.approval_at,
        recommended_strategy=choice.strategy,
        suggested_pace=choice.pace,
        overrides_applied=choice.overrides,
        manual_approval_required=choice.manual_approval,
        manual_approval_reasons=choice.approval_reasons,
        manual_override_allowed=choice.manual_override_allowed,
        mode=mode,
        mode_reason=mode_reason,
        apply=_application(mode, choice, bundle, inputs.service),
        policy_version=bundle.version_id,
        policy=_policy_ref(bundle, policy_source),
        model_version=model_use.version if model_use and model_use.scored else None,
        model=model_use,
        inputs_digest=sha256_of(for_decision.to_json()),
        decided_at=stamp(now),
        decided_by=decided_by,
    )
    return Decided(inputs=for_decision, decision=decision)
