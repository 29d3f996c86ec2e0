"""backtest.json: how the risk heuristic would have done over labelled history (seed Step 3 E).

A positive call is a release the policy would have slowed down: its bucket is blue-green or
its score is at or above manual_approval_at. A positive label is a release that failed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count, Fraction


class BucketOutcomes(Strict):
    """Confusion of the predicted bucket against the outcome."""

    strategy: str
    min: int
    max: int
    releases: Count
    failed: Count
    ok: Count


class AtTopRow(Strict):
    fraction: Fraction
    gated: Count
    precision: Fraction | None
    recall: Fraction | None


class Performance(Strict):
    releases: Count
    failures: Count
    buckets: list[BucketOutcomes]
    tp: Count = Field(description="Failed releases the policy would have slowed down")
    fp: Count = Field(description="Good releases slowed down for nothing")
    tn: Count
    fn: Count
    tpr: Fraction | None
    fpr: Fraction | None
    precision: Fraction | None
    auc: Fraction | None = Field(description="AUC of the integer risk score")
    auc_before_clamp: Fraction | None = Field(description="AUC of the unrounded, unclamped score")
    at_top: list[AtTopRow]
    weeks: float = Field(description="Span of the time column in weeks (at least 1)")
    unnecessary_blue_green_per_week: float
    unnecessary_manual_approvals_per_week: float


class BadRowOut(Strict):
    row: int
    reason: str


class ServiceTuning(Strict):
    service: str
    releases: Count
    failures: Count
    method: str = Field(description="'recall' (high-criticality) or 'fpr'")
    target: Fraction
    edge: int = Field(description="The lowest score this service should slow down")
    met: bool
    fpr: Fraction | None
    tpr: Fraction | None
    current_score_shift: int
    proposed_score_shift: int


class BucketEdge(Strict):
    strategy: str
    min: int
    max: int


class Tuning(Strict):
    target_fpr: Fraction
    target_recall: Fraction | None
    method: str
    met: bool
    buckets: list[BucketEdge]
    manual_approval_at: int
    before: Performance
    after_buckets_only: Performance = Field(
        description="The replay with the proposed buckets and manual_approval_at alone"
    )
    after: Performance = Field(description="The replay with every proposed change")
    services: list[ServiceTuning] = Field(default_factory=list)


class Backtest(Contract):
    SCHEMA_NAME: ClassVar[str] = "backtest"
    FILE_NAME: ClassVar[str] = "backtest.json"

    source: str
    policy_version: str
    # Optional only so that reports written before these fields still read.
    policy_source: Literal["builtin", "folder", "url"] | None = Field(
        default=None, description="builtin: the bundle shipped inside cipipe; folder; url"
    )
    cipipe_version: str | None = Field(default=None, description="The cipipe that replayed")
    label: str
    time: str
    rows_read: Count = Field(description="Rows loaded (after bad rows, before the label lag)")
    rows: Count = Field(description="Rows replayed")
    bad_rows: Count
    bad_row_examples: list[BadRowOut] = Field(description="The first bad rows and why")
    label_lag_seconds: Count
    excluded_by_label_lag: Count
    unlabelled_excluded: Count = Field(description="History-store builds without an outcome")
    features_used: dict[str, list[str]] = Field(description="Heuristic term -> history columns")
    features_not_in_history: list[str] = Field(
        description="Terms the history has no column for: they contribute 0 in the replay"
    )
    modifiers_not_replayed: list[str]
    overall: Performance
    by_service: dict[str, Performance] = Field(default_factory=dict)
    by_platform: dict[str, Performance] = Field(default_factory=dict)
    tuning: Tuning | None = None
