"""risk-inputs-for-decision.json and risk-decision.json: what was decided, from what (Step 3).

The decision must be explainable in one screen and reproducible from its files: the
contributors add up exactly to the score before clamping, every input names its status and
source, and the same inputs with the same policy give the same bytes apart from
``decided_at``, ``decided_by`` and ``audit`` (where the audit log stood once it was recorded).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cipipe.contracts.audit_anchor import AuditAnchor
from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.numbers import Fraction
from cipipe.contracts.risk_inputs import RiskInputs, Status
from cipipe.identifiers import BuildIdText, Name

Strategy = Literal["rolling", "canary", "blue-green"]
Mode = Literal["shadow", "enforce"]
Sha256 = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class Signal(Strict):
    """One input of the decision after normalisation: its value, where it came from, and
    whether it was measured, defaulted or missing."""

    value: float | bool | str | list[str] | None
    status: Status
    source: str | None = None


class CalendarState(Strict):
    evaluated_at: str | None = Field(
        description="The planned deploy time the calendar was read at (ISO 8601, UTC); null: "
        "no deploy_at was given, so it was read at decided_at"
    )
    peak_business: Signal
    maintenance_window: Signal
    change_freeze: Signal


class RiskInputsForDecision(Contract):
    SCHEMA_NAME = "risk-inputs-for-decision"
    FILE_NAME = "risk-inputs-for-decision.json"

    service: Name
    build_id: BuildIdText
    commit: str
    risk_inputs_sha256: Sha256 = Field(description="Digest of the risk-inputs.json read")
    risk_inputs: RiskInputs
    context: DecisionContext = Field(description="context.yaml as read, with --label added")
    signals: dict[str, Signal] = Field(
        description="The normalised values the policy reads, by name"
    )
    calendar: CalendarState


class Contributor(Strict):
    """``points`` is what this feature added to the score (negative lowers it)."""

    feature: str
    raw_value: float | bool | str | None
    status: Status
    points: float
    rule: str = Field(description="How the points follow from the value and the policy")


class Bucket(Strict):
    strategy: Strategy
    min: int
    max: int


class CanaryStep(Strict):
    weight: int = Field(description="Percent of traffic on the new version")
    window: str = Field(description="How long the step is watched, e.g. 2m")
    window_seconds: int


class MetricGate(Strict):
    name: str
    min: float | None = None
    max: float | None = None


class AnalysisGates(Strict):
    interval: str = Field(description="How often the metrics are checked")
    interval_seconds: int
    failure_limit: int = Field(description="Failed checks after which the rollout aborts")
    metrics: list[MetricGate]


class RollingPace(Strict):
    strategy: Literal["rolling"] = "rolling"
    batch_percent: int = Field(description="Share of hosts updated per step")
    min_batch_percent: int
    max_batch_percent: int


class CanaryPace(Strict):
    strategy: Literal["canary"] = "canary"
    steps: list[CanaryStep]
    analysis: AnalysisGates


class BlueGreenPace(Strict):
    strategy: Literal["blue-green"] = "blue-green"
    healthy_windows: int = Field(description="Consecutive healthy windows before cutover")
    window: str
    window_seconds: int
    analysis: AnalysisGates


Pace = Annotated[RollingPace | CanaryPace | BlueGreenPace, Field(discriminator="strategy")]


class OverrideApplied(Strict):
    rule: str = Field(description="The policy key, e.g. overrides.db_schema_change")
    effect: str = Field(description="What it changed")
    reason: str = Field(description="Why it applied: the evidence")


class Application(Strict):
    """What the pipeline should do now: the recommendation in enforce mode, the configured
    default strategy in shadow mode."""

    strategy: Strategy
    pace: Pace
    manual_approval_required: bool
    reason: str


class ModelUse(Strict):
    """The model the policy referenced, and whether it scored or the heuristic had to."""

    version: str
    scored: bool = Field(description="false: the heuristic decided (see reason)")
    probability: Fraction | None = Field(
        description="The model's P(failure); null when it fell back"
    )
    reason: str
    scored_by: Literal["local", "service"] | None = Field(
        default=None,
        description="Where the model scored: the registry on this agent, or the model service "
        "at --model-url; null when the heuristic decided",
    )
    service_fallback: str | None = Field(
        default=None,
        description="Why the model service at --model-url did not score (dead, past its "
        "deadline, erroring, or an answer that does not check out); null when it scored or "
        "none was asked",
    )


class PolicyRef(Strict):
    version: Sha256
    git_commit: str | None
    source: str = Field(description="The folder or URL the bundle came from")
    # Optional only so that decisions recorded before these fields still read.
    policy_source: Literal["builtin", "folder", "url"] | None = Field(
        default=None,
        description="builtin: the bundle shipped inside cipipe (no --policy, CIPIPE_POLICY or "
        "./policies); folder; url: a policy server",
    )
    cipipe_version: str | None = Field(default=None, description="The cipipe that decided")


class RiskDecision(Contract):
    SCHEMA_NAME = "risk-decision"
    FILE_NAME = "risk-decision.json"

    service: Name
    build_id: BuildIdText
    commit: str
    risk_score: int = Field(ge=0, le=100)
    score_before_clamp: float = Field(description="The exact sum of the contributors' points")
    top_contributors: list[Contributor] = Field(
        description="Every contributor with non-zero points, largest effect first; their "
        "points add up to score_before_clamp"
    )
    missing_inputs: list[str] = Field(description="Inputs that could not be measured")
    bucket: Bucket = Field(description="The bucket the score fell into")
    buckets: list[Bucket] = Field(description="All of the policy's buckets, lowest first")
    manual_approval_at: int = Field(description="The score from which approval is required")
    recommended_strategy: Strategy
    suggested_pace: Pace
    overrides_applied: list[OverrideApplied]
    manual_approval_required: bool
    manual_approval_reasons: list[str]
    manual_override_allowed: bool = Field(description="A hotfix may be overridden by hand")
    mode: Mode
    mode_reason: str
    apply: Application
    policy_version: Sha256
    policy: PolicyRef
    model_version: str | None = Field(description="null: the heuristic decided")
    model: ModelUse | None = Field(default=None, description="null: the policy references no model")
    inputs_digest: Sha256 = Field(description="Digest of risk-inputs-for-decision.json")
    decided_at: str
    decided_by: str
    rejected_by_gate: str | None = Field(
        default=None,
        description="Why the gate rejected this build, when it was decided anyway with "
        "--allow-rejected: for analysis only, no rollout, nothing set on the rejected files",
    )
    audit: AuditAnchor | None = Field(
        default=None,
        description="The audit log's heads once this decision was recorded, signed with the "
        "audit key when one is set: the same anchor as audit-anchor.json beside the build in "
        "the artifact store (null in the copy the audit log holds, which cannot contain its "
        "own hash)",
    )
