"""policy-diff.json: what a policy change would have changed over labelled history (issue 19).

Both bundles are replayed over the same rows the way ``cipipe backtest`` replays one; a
decision is the bucket's strategy and whether the score needs a manual approval. Figures are
the backtest's own (``Performance``), before (OLD) and after (NEW).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cipipe.contracts.backtest import Performance
from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count, Fraction


class PolicyRef(Strict):
    """One bundle, named as backtest.json names its policy."""

    spec: str = Field(description="What was given: a folder, a URL (credentials stripped)")
    version: str = Field(description="The bundle's version id (sha256 of its content)")
    source: Literal["builtin", "folder", "url"]
    commit: str | None = Field(description="The git commit that last touched the folder")


class MoveCount(Strict):
    """Releases whose decision went from one (strategy, approval) to another."""

    from_strategy: str
    to_strategy: str
    from_approval: bool = Field(description="OLD asked for a manual approval")
    to_approval: bool = Field(description="NEW asks for a manual approval")
    count: Count


class Move(Strict):
    """One release whose decision changes."""

    build: str
    service: str | None
    platform: str | None
    score_before: int
    score_after: int
    score_change: int
    bucket_before: str = Field(description="strategy min-max under OLD")
    bucket_after: str = Field(description="strategy min-max under NEW")
    approval_before: bool
    approval_after: bool


class Figures(Strict):
    releases: Count
    changed_decisions: Count
    before: Performance
    after: Performance


class ServiceThreshold(Strict):
    """A service's enforcement threshold (enforcement.max_false_positive_rate, or the
    service's override) and whether its replayed FPR meets it (FPR at or below)."""

    service: str
    releases: Count
    max_fpr_before: Fraction
    max_fpr_after: Fraction
    fpr_before: Fraction | None
    fpr_after: Fraction | None
    meets_before: bool | None = Field(description="None: no good release to measure FPR on")
    meets_after: bool | None


class EnforcementChange(Strict):
    max_fpr_before: Fraction = Field(description="OLD enforcement.max_false_positive_rate")
    max_fpr_after: Fraction = Field(description="NEW enforcement.max_false_positive_rate")
    overrides_before: dict[str, Fraction] = Field(description="OLD per-service thresholds")
    overrides_after: dict[str, Fraction] = Field(description="NEW per-service thresholds")
    services: list[ServiceThreshold]


class Condition(Strict):
    """One --fail-if expression and what it found."""

    expression: str
    value: float | None = Field(description="The metric's value; None when undefined")
    held: bool


class PolicyDiff(Contract):
    SCHEMA_NAME: ClassVar[str] = "policy-diff"
    FILE_NAME: ClassVar[str] = "policy-diff.json"

    source: str = Field(description="The history replayed")
    old: PolicyRef
    new: PolicyRef
    cipipe_version: str
    label: str
    time: str
    rows_read: Count = Field(description="Rows loaded (after bad rows, before the label lag)")
    rows: Count = Field(description="Rows replayed")
    bad_rows: Count
    label_lag_seconds: Count
    excluded_by_label_lag: Count
    unlabelled_excluded: Count = Field(description="History-store builds without an outcome")
    changed_decisions: Count = Field(description="Releases whose strategy or approval changes")
    changed_fraction: Fraction | None = Field(description="changed_decisions / rows")
    moves: list[MoveCount] = Field(description="Per (strategy, approval) before -> after")
    top: Count = Field(description="How many of the largest moves are listed")
    largest_moves: list[Move] = Field(description="By score change, then bucket change")
    overall: Figures
    by_service: dict[str, Figures] = Field(default_factory=dict)
    by_platform: dict[str, Figures] = Field(default_factory=dict)
    not_in_history: list[str] = Field(
        description="Groupings the history has no column for (service, platform)"
    )
    enforcement: EnforcementChange
    fail_if: list[Condition] = Field(default_factory=list)
