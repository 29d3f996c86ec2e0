"""backtest.json: how the risk heuristic would have done over labelled history (seed Step 3 E).

A positive call is a release the policy would have slowed down: its bucket is blue-green or
its score is at or above manual_approval_at. A positive label is a release that failed.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from cipipe.contracts.base import Contract, Strict


class BucketOutcomes(Strict):
    """Confusion of the predicted bucket against the outcome."""

    strategy: str
    min: int
    max: int
    releases: int
    failed: int
    ok: int


class AtTopRow(Strict):
    fraction: float
    gated: int
    precision: float | None
    recall: float | None


class Performance(Strict):
    releases: int
    failures: int
    buckets: list[BucketOutcomes]
    tp: int = Field(description="Failed releases the policy would have slowed down")
    fp: int = Field(description="Good releases slowed down for nothing")
    tn: int
    fn: int
    tpr: float | None
    fpr: float | None
    precision: float | None
    auc: float | None = Field(description="AUC of the integer risk score")
    auc_before_clamp: float | None = Field(description="AUC of the unrounded, unclamped score")
    at_top: list[AtTopRow]
    weeks: float = Field(description="Span of the time column in weeks (at least 1)")
    unnecessary_blue_green_per_week: float
    unnecessary_manual_approvals_per_week: float


class BadRowOut(Strict):
    row: int
    reason: str


class ServiceTuning(Strict):
    service: str
    releases: int
    failures: int
    method: str = Field(description="'recall' (high-criticality) or 'fpr'")
    target: float
    edge: int = Field(description="The lowest score this service should slow down")
    met: bool
    fpr: float | None
    tpr: float | None
    current_score_shift: int
    proposed_score_shift: int


class BucketEdge(Strict):
    strategy: str
    min: int
    max: int


class Tuning(Strict):
    target_fpr: float
    target_recall: float | None
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
    label: str
    time: str
    rows_read: int = Field(description="Rows loaded (after bad rows, before the label lag)")
    rows: int = Field(description="Rows replayed")
    bad_rows: int
    bad_row_examples: list[BadRowOut] = Field(description="The first bad rows and why")
    label_lag_seconds: int
    excluded_by_label_lag: int
    unlabelled_excluded: int = Field(description="History-store builds without an outcome")
    features_used: dict[str, list[str]] = Field(description="Heuristic term -> history columns")
    features_not_in_history: list[str] = Field(
        description="Terms the history has no column for: they contribute 0 in the replay"
    )
    modifiers_not_replayed: list[str]
    overall: Performance
    by_service: dict[str, Performance] = Field(default_factory=dict)
    by_platform: dict[str, Performance] = Field(default_factory=dict)
    tuning: Tuning | None = None
