"""The models of thresholds-and-windows.yaml (seed Step 3 F): watch windows, analysis gates, the
change calendar, shadow/enforce and per-service overrides. The models of the other two policy
files are in ``models.py``; loading and hashing the bundle is ``bundle.py``'s part.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, model_validator

from cipipe.contracts.base import Strict
from cipipe.errors import InputError
from cipipe.identifiers import NAME_EXPECTED, check_name
from cipipe.risk.policy.models import Duration, Score, Shift, Strategy, WindowCount

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Mode = Literal["shadow", "enforce"]
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


class MetricGatePolicy(Strict):
    """A health metric that must stay within [min, max] during a canary step or on green."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    min: MetricBound | None = None
    max: MetricBound | None = None

    @model_validator(mode="after")
    def _a_range(self) -> MetricGatePolicy:
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
    metrics: list[MetricGatePolicy] = Field(min_length=1, max_length=20)


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


class Labels(Strict):
    """How a release's outcome becomes a label (seed Step 3 I): 1 = rolled back within
    ``rollback_within`` or an SLO breach requiring a revert; 0 = stable for ``stable_for``.
    The seed leaves X and Y open; the defaults are two and three days."""

    rollback_within: Duration = Field(
        default=48 * 3600, description="X: a rollback this long after the build counts (1)"
    )
    stable_for: Duration = Field(
        default=72 * 3600, description="Y: healthy this long after the rollout is stable (0)"
    )
    unsignalled_is_ok: bool = Field(
        default=False,
        strict=True,
        description="Label a shipped build with no signal past stable_for as ok (0)",
    )


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
    labels: Labels = Field(default_factory=Labels)
    services: dict[ServiceName, ServiceOverride] = Field(default_factory=dict)
