"""A versioned policy bundle: the three YAML files plus policy-metadata.md (seed Step 3 E, F).

``load_policy_bundle`` validates every file, computes a content hash that does not depend on
YAML formatting, and records the git commit that last touched the folder, so each decision can
name exactly which policy made it.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, model_validator

from cipipe.contracts.base import Strict
from cipipe.contracts.loading import load_yaml, read_text, validate_data
from cipipe.errors import InputError
from cipipe.identifiers import NAME_EXPECTED, check_name
from cipipe.risk.policy_models import (
    Duration,
    RiskWeights,
    Score,
    Shift,
    Strategy,
    StrategyMapping,
    WindowCount,
)

WEIGHTS_FILE = "risk-weights.yaml"
MAPPING_FILE = "strategy-mapping-policy.yaml"
THRESHOLDS_FILE = "thresholds-and-windows.yaml"
METADATA_FILE = "policy-metadata.md"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Mode = Literal["shadow", "enforce"]
# Where a bundle came from: the package's own (the seed's defaults), a folder, a policy server.
PolicyOrigin = Literal["builtin", "folder", "url"]
_CLOCK_RE = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")


def _check_clock(value: str) -> str:
    if not _CLOCK_RE.match(value):
        raise ValueError(f"time {value!r} is not HH:MM (00:00 to 23:59); quote it in YAML")
    return value


ClockTime = Annotated[str, AfterValidator(_check_clock)]


class Watch(Strict):
    window: Duration = Field(description="Length of one health window")
    healthy_windows: WindowCount = Field(description="Consecutive healthy windows to promote")


class WeeklyWindow(Strict):
    """Every listed weekday from start to end; end before start wraps past midnight."""

    days: list[Weekday] = Field(min_length=1)
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> WeeklyWindow:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: an empty window")
        return self


class DateWindow(Strict):
    """Whole days from start to end, both included."""

    start: date
    end: date
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> DateWindow:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class CalendarWindows(Strict):
    weekly: list[WeeklyWindow] = Field(default_factory=list)
    dates: list[DateWindow] = Field(default_factory=list)


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


class Calendar(Strict):
    timezone: Annotated[str, AfterValidator(_check_zone)] = "UTC"
    peak_business: CalendarWindows = Field(default_factory=CalendarWindows)
    maintenance: CalendarWindows = Field(default_factory=CalendarWindows)
    change_freeze: CalendarWindows = Field(default_factory=CalendarWindows)


def _check_service(name: str) -> str:
    # The one name pattern (cipipe.identifiers); re.match with $ let a trailing newline in.
    try:
        return check_name(name)
    except InputError:
        raise ValueError(f"service name {name!r}: expected {NAME_EXPECTED}") from None


ServiceName = Annotated[str, AfterValidator(_check_service)]
Rate = Annotated[float, Field(strict=True, ge=0, le=1)]


# Percentages, milliseconds, counts: a bound beyond a million is a typo, not a threshold.
MetricBound = Annotated[float, Field(ge=-1e6, le=1e6)]


class MetricGate(Strict):
    """A health metric that must stay within [min, max] during a canary step or on green."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    min: MetricBound | None = None
    max: MetricBound | None = None

    @model_validator(mode="after")
    def _a_range(self) -> MetricGate:
        if self.min is None and self.max is None:
            raise ValueError(f"metric {self.name!r} needs a min, a max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"metric {self.name!r} has min {self.min} above max {self.max}")
        return self


class Analysis(Strict):
    """The analysis gates of a progressive rollout, checked once per watch window."""

    failure_limit: Annotated[int, Field(strict=True, ge=1, le=20)] = Field(
        description="Failed checks after which the rollout is aborted"
    )
    metrics: list[MetricGate] = Field(min_length=1, max_length=20)


class Enforcement(Strict):
    default_mode: Mode = "shadow"
    shadow_strategy: Strategy = Field(
        default="rolling", description="What a pipeline in shadow mode keeps doing meanwhile"
    )
    max_false_positive_rate: Rate = Field(description="Backtest FPR at or below which to enforce")
    min_shadow_releases: Annotated[int, Field(strict=True, ge=1, le=10000)] = Field(
        default=20, description="Shadow decisions with a known outcome needed before enforcing"
    )
    enforce_services: list[ServiceName] = Field(default_factory=list)


class ServiceOverride(Strict):
    """Per service; unset keys follow the defaults."""

    score_shift: Shift = Field(default=0, description="Raise the score: lower thresholds")
    manual_approval_at: Score | None = None
    watch: Watch | None = None
    max_false_positive_rate: Rate | None = None


class ThresholdsAndWindows(Strict):
    """thresholds-and-windows.yaml: watch windows, calendar, shadow/enforce, per-service."""

    watch: Watch
    analysis: Analysis
    calendar: Calendar = Field(default_factory=Calendar)
    enforcement: Enforcement
    services: dict[ServiceName, ServiceOverride] = Field(default_factory=dict)


@dataclass(frozen=True)
class PolicyBundle:
    """A validated bundle and where it came from."""

    folder: Path
    weights: RiskWeights
    mapping: StrategyMapping
    thresholds: ThresholdsAndWindows
    metadata: str
    version_id: str  # "sha256:" + hash of canonical_content
    git_commit: str | None = None
    origin: PolicyOrigin = "folder"


def canonical_content(
    weights: RiskWeights, mapping: StrategyMapping, thresholds: ThresholdsAndWindows, metadata: str
) -> bytes:
    """The bundle as sorted-key JSON: YAML comments, order and quoting do not change it."""
    document = {
        WEIGHTS_FILE: weights.model_dump(mode="json", by_alias=True),
        MAPPING_FILE: mapping.model_dump(mode="json", by_alias=True),
        THRESHOLDS_FILE: thresholds.model_dump(mode="json", by_alias=True),
        METADATA_FILE: metadata.replace("\r\n", "\n"),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def folder_commit(folder: Path) -> str | None:
    """The last commit that touched the folder, or None outside git (or when untracked)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%H", "--", "."],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def _check_hotfix_is_smaller(mapping: StrategyMapping, file: str) -> None:
    hotfix, normal = mapping.overrides.hotfix.canary.weights[0], mapping.pace.canary.weights[0]
    if hotfix >= normal:
        raise InputError(
            f"the hotfix canary starts at {hotfix}%",
            file=file,
            field="overrides.hotfix.canary.weights[0]",
            expected=f"below the normal canary's first step ({normal}%)",
        )


def load_policy_bundle(folder: Path, *, in_git: bool = True) -> PolicyBundle:
    """Read and validate the four files in ``folder``; any problem is one InputError.
    ``in_git``: ask git which commit last touched the folder (not for the built-in bundle,
    whose install folder may sit in some unrelated repository)."""
    if not folder.is_dir():
        raise InputError("policy folder not found", file=str(folder), expected="a folder")
    weights = validate_data(
        RiskWeights, load_yaml(folder / WEIGHTS_FILE), str(folder / WEIGHTS_FILE)
    )
    mapping = validate_data(
        StrategyMapping, load_yaml(folder / MAPPING_FILE), str(folder / MAPPING_FILE)
    )
    _check_hotfix_is_smaller(mapping, str(folder / MAPPING_FILE))
    thresholds = validate_data(
        ThresholdsAndWindows, load_yaml(folder / THRESHOLDS_FILE), str(folder / THRESHOLDS_FILE)
    )
    metadata = read_text(folder / METADATA_FILE)
    if not metadata.strip():
        raise InputError(
            "is empty", file=str(folder / METADATA_FILE), expected="owners, review rules, changes"
        )
    digest = hashlib.sha256(canonical_content(weights, mapping, thresholds, metadata)).hexdigest()
    return PolicyBundle(
        folder=folder,
        weights=weights,
        mapping=mapping,
        thresholds=thresholds,
        metadata=metadata,
        version_id=f"sha256:{digest}",
        git_commit=folder_commit(folder) if in_git else None,
    )
