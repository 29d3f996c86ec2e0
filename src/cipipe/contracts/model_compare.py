"""model-compare.json: a candidate model against the approved one on the newest outcomes (issue 19).

Both models score the same labelled builds ("shadow scoring of recent builds"); each
probability becomes points through the policy's ``weights.model`` offset and scale as a
decision's do, then the policy's buckets and manual approval give each build a decision. The
decision figures and moves are policy diff's own (``contracts/policy_diff.py``): "before" is
CURRENT, "after" is CANDIDATE. ``model promote`` reads this file as its evidence.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cipipe.contracts.backtest import AtTopRow
from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count, Fraction
from cipipe.contracts.policy_diff import Condition, Figures, Move, MoveCount, PolicyRef


class ModelRef(Strict):
    version: str
    state: str = Field(description="Its state in the registry: candidate, approved, retired")
    created_at: str | None
    features: list[str]
    metadata_sha256: str = Field(description="sha256 of its model.json without the approval")


class Quality(Strict):
    """How well one model's probabilities rank and how honest they are, on these builds."""

    auc: Fraction | None = Field(description="None when only one outcome is present")
    brier: Fraction | None
    ece: Fraction | None = Field(description="Expected calibration error, 10 equal bins")
    at_top: list[AtTopRow] = Field(description="Gating the riskiest share by probability")


class ModelFigures(Figures):
    """Policy diff's figures (before = CURRENT, after = CANDIDATE) and each model's quality."""

    quality_before: Quality
    quality_after: Quality


class Window(Strict):
    last: Count | None = Field(description="--last: the newest N labelled builds")
    since: str | None = Field(description="--since: builds that started at or after")
    first: str | None = Field(description="The oldest build compared (UTC)")
    newest: str | None = Field(description="The newest build compared (UTC)")


class ModelCompare(Contract):
    SCHEMA_NAME: ClassVar[str] = "model-compare"
    FILE_NAME: ClassVar[str] = "model-compare.json"

    source: str = Field(description="The history scored: the store's URL or the history file")
    from_db: bool = Field(description="The rows came from the history store (--from-db)")
    candidate: ModelRef
    current: ModelRef
    current_from: Literal["argument", "policy"] = Field(
        description="CURRENT given, or the approved version the policy references"
    )
    policy: PolicyRef = Field(description="The bundle whose model offset, scale and buckets map")
    cipipe_version: str
    created_at: str = Field(description="When the comparison was made (UTC)")
    window: Window
    rows_read: Count = Field(description="Labelled rows loaded (before the label lag, window)")
    rows: Count = Field(description="Rows scored by both models")
    label_lag_seconds: Count
    excluded_by_label_lag: Count
    unlabelled_excluded: Count = Field(description="History-store builds without an outcome")
    changed_decisions: Count = Field(description="Builds whose strategy or approval changes")
    changed_fraction: Fraction | None = Field(description="changed_decisions / rows")
    moves: list[MoveCount] = Field(description="Per (strategy, approval) CURRENT -> CANDIDATE")
    top: Count = Field(description="How many of the largest moves are listed")
    largest_moves: list[Move] = Field(description="By score change, then bucket change")
    overall: ModelFigures
    by_service: dict[str, ModelFigures] = Field(default_factory=dict)
    by_platform: dict[str, ModelFigures] = Field(default_factory=dict)
    not_in_history: list[str] = Field(
        description="Groupings the history has no column for (service, platform)"
    )
    fail_if: list[Condition] = Field(default_factory=list)
