"""risk-weights.yaml and strategy-mapping-policy.yaml as pydantic models (seed Step 3 C, D).

Every number has bounds, so a typo such as ``150`` for a weight or ``-2m`` for a window is an
error that names the key rather than a silently absurd decision.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from cipipe.contracts.base import Strict

Strategy = Literal["rolling", "canary", "blue-green"]
RepoKind = Literal["service", "user-space", "firmware", "driver"]

_DURATION_RE = re.compile(r"^(?P<amount>[0-9]+)(?P<unit>[smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_duration(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"got {value!r}, expected a duration string like 30s, 2m, 1h or 1d")
    text = value.strip()
    if text.startswith("-"):
        raise ValueError(f"negative duration {value!r}")
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(f"malformed duration {value!r}, expected like 30s, 2m, 1h or 1d")
    seconds = int(match["amount"]) * _UNIT_SECONDS[match["unit"]]
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of ``seconds`` in the files' notation (120 -> "2m")."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# A duration in seconds, written as "30s", "2m", "1h" or "1d" in the files.
Duration = Annotated[int, BeforeValidator(_parse_duration)]
Score = Annotated[int, Field(strict=True, ge=0, le=100)]
Percent = Annotated[int, Field(strict=True, ge=1, le=100)]
Shift = Annotated[int, Field(strict=True, ge=0, le=50, description="Points added to the score")]
Factor = Annotated[float, Field(strict=True, ge=0.1, le=5.0)]
# A risk-raising weight: positive, and never enough alone to exceed the whole scale twice.
Weight = Annotated[float, Field(strict=True, ge=0, le=100)]
WindowCount = Annotated[int, Field(strict=True, ge=1, le=100)]


# --- risk-weights.yaml (section C) -----------------------------------------------------------


class Weights(Strict):
    """raw = sum(weight * feature); the feature each weight multiplies is in its name."""

    loc_per_100_lines: Weight = Field(description="a1: per 100 changed lines")
    files_per_10: Weight = Field(description="a2: per 10 changed files")
    dependency_bump: Weight = Field(description="a3: once if any dependency changed")
    failed_unit_test: Weight = Field(description="a4: per failing unit test")
    integration_failure: Weight = Field(description="a5: once if an integration test failed")
    critical_vulnerability: Weight = Field(description="a6: once if a critical CVE is present")
    coverage_per_point: Annotated[float, Field(strict=True, ge=-100, le=0)] = Field(
        description="Per percentage point of coverage change; <= 0 so a gain lowers risk"
    )
    module_past_failure_rate: Weight = Field(description="Times the module's failure rate (0-1)")
    hardware_penalty: Weight = Field(description="Added for firmware/kernel/driver changes")


class HighTraffic(Strict):
    """Points added while production serves at least ``qps_at_least`` requests per second."""

    qps_at_least: Annotated[float, Field(strict=True, ge=0, le=1e8)]
    points: Weight


class ContextWeights(Strict):
    """Runtime signals of the decision context (seed Step 3 A), added like the weights."""

    peak_business: Weight = Field(description="Deploying inside a peak business window")
    last_release_rolled_back: Weight = Field(description="The previous release was rolled back")
    high_traffic: HighTraffic


class MissingInputPoints(Strict):
    """Points added when an input could not be measured (its report does not exist): unknown
    evidence is risk, not good news. Zero is allowed but has to be written down."""

    lines_changed: Weight
    files_changed: Weight
    dependency_bump: Weight
    failed_unit_tests: Weight
    integration_failure: Weight
    critical_vulnerability: Weight
    coverage_change: Weight
    module_past_failure_rate: Weight
    peak_business: Weight
    last_release_rolled_back: Weight
    high_traffic: Weight


class CriticalityFactors(Strict):
    """The score is multiplied by the factor of the service's criticality."""

    low: Factor = 1.0
    normal: Factor = 1.0
    high: Factor = 1.5
    critical: Factor = 1.5


class Clamp(Strict):
    min: Score = 0
    max: Score = 100

    @model_validator(mode="after")
    def _ordered(self) -> Clamp:
        if self.min >= self.max:
            raise ValueError(f"clamp min {self.min} must be below max {self.max}")
        return self


class ModelReference(Strict):
    """Phase 2 (seed Step 3 I): an approved model from the registry scores instead of the
    weighted sum, the heuristic staying the fallback. The model's probability of failure p
    becomes points on the same scale: offset + scale * log(p / (1 - p)), so the model's
    contributions (additive in log-odds) stay exact contributors."""

    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")] | None = Field(
        default=None, description="An approved model version; null: the heuristic decides"
    )
    score_offset: Annotated[float, Field(strict=True, ge=0, le=100)] = Field(
        default=50, description="Points at p = 0.5"
    )
    score_scale: Annotated[float, Field(strict=True, gt=0, le=50)] = Field(
        default=15, description="Points per unit of log-odds"
    )


class RiskWeights(Strict):
    """risk-weights.yaml: the heuristic's coefficients, modifiers and clamp."""

    weights: Weights
    context: ContextWeights
    missing_inputs: MissingInputPoints
    criticality_factors: CriticalityFactors = Field(default_factory=CriticalityFactors)
    clamp: Clamp = Field(default_factory=Clamp)
    model: ModelReference = Field(default_factory=ModelReference)


# --- strategy-mapping-policy.yaml (section D) ------------------------------------------------


class BucketPolicy(Strict):
    """Scores from min to max (both included, integers) map to the strategy."""

    strategy: Strategy
    min: Score
    max: Score


class RollingPacePolicy(Strict):
    min_batch_percent: Percent = Field(description="Smallest share of hosts updated per step")
    max_batch_percent: Percent = Field(description="Largest share of hosts updated per step")

    @model_validator(mode="after")
    def _ordered(self) -> RollingPacePolicy:
        if self.min_batch_percent > self.max_batch_percent:
            raise ValueError("min_batch_percent must not exceed max_batch_percent")
        return self


class CanaryPacePolicy(Strict):
    """Traffic weights and how long each is watched before the next; the last weight is 100."""

    weights: list[Percent] = Field(min_length=1, max_length=20)
    windows: list[Duration] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _steps(self) -> CanaryPacePolicy:
        if len(self.weights) != len(self.windows):
            raise ValueError(
                f"{len(self.weights)} weights but {len(self.windows)} windows: one window per step"
            )
        if any(b <= a for a, b in zip(self.weights, self.weights[1:], strict=False)):
            raise ValueError(f"weights {self.weights} must increase step by step")
        if self.weights[-1] != 100:
            raise ValueError(f"the last weight is {self.weights[-1]}, expected 100")
        return self


class BlueGreenPacePolicy(Strict):
    """Deploy to green, then require this many consecutive healthy windows before cutover."""

    healthy_windows: WindowCount
    window: Duration


class Pace(Strict):
    rolling: RollingPacePolicy
    canary: CanaryPacePolicy
    blue_green: BlueGreenPacePolicy = Field(alias="blue-green")


class ForcedStrategy(Strict):
    """Forces a strategy whatever the score (e.g. a critical CVE forces blue-green)."""

    strategy: Strategy
    manual_approval: bool = False


class ChangeOverride(ForcedStrategy):
    """Detected when a changed path matches a glob or the repository is of one of the kinds."""

    paths: list[str] = Field(default_factory=list, description="Globs; ** crosses folders")
    repo_kinds: list[RepoKind] = Field(default_factory=list)


class HotfixOverride(Strict):
    """A hotfix: urgent, so a smaller first canary step with shorter, closer-watched windows."""

    labels: list[str] = Field(description="A team label or PR label that marks a hotfix")
    branches: list[str] = Field(description="Branch globs such as hotfix/*")
    allow_manual_override: bool = True
    canary: CanaryPacePolicy


class Overrides(Strict):
    critical_vulnerability: ForcedStrategy
    db_schema_change: ChangeOverride
    kernel_driver_change: ChangeOverride
    hotfix: HotfixOverride


class ConservativeShift(Strict):
    """Firmware/ARM: the score is raised by score_shift before mapping (thresholds move down)
    when an artifact for one of ``platforms`` was built; a planned platform that was skipped
    shipped nothing and does not count. ``repo_kinds`` are named in the reason."""

    platforms: list[str]
    repo_kinds: list[RepoKind]
    score_shift: Shift


class SigningPenalty(Strict):
    """Windows drivers: risk is raised when the driver's signing (certificate) is new."""

    platforms: list[str]
    repo_kinds: list[RepoKind]
    new_signing_penalty: Shift


class PlatformAdjustments(Strict):
    firmware_arm: ConservativeShift
    windows_driver: SigningPenalty


def _cover_0_to_100(buckets: list[BucketPolicy]) -> list[BucketPolicy]:
    """In order, from 0 to 100, each bucket starting right after the previous one ends."""
    expected = 0
    for index, bucket in enumerate(buckets):
        name = f"bucket {index} ({bucket.strategy} {bucket.min}-{bucket.max})"
        if bucket.min > bucket.max:
            raise ValueError(f"{name} has min above max")
        if bucket.min > expected:
            raise ValueError(f"gap before {name}: scores {expected}-{bucket.min - 1} unmapped")
        if bucket.min < expected:
            raise ValueError(f"{name} overlaps the previous bucket (ends at {expected - 1})")
        expected = bucket.max + 1
    if expected != 101:
        raise ValueError(f"gap after the last bucket: scores {expected}-100 unmapped")
    return buckets


class StrategyMapping(Strict):
    """strategy-mapping-policy.yaml: buckets, pace per strategy, overrides, per-OS shifts."""

    buckets: Annotated[list[BucketPolicy], AfterValidator(_cover_0_to_100)] = Field(
        min_length=1, max_length=10
    )
    pace: Pace
    manual_approval_at: Score = Field(description="Scores at or above need manual approval")
    overrides: Overrides
    platform_adjustments: PlatformAdjustments
