"""outcome-sync.json: what ``cipipe outcome sync`` read from one source and what it did with it.

Every object the source knew about lands in exactly one list: ``recorded`` (a new outcome in
the history store), ``known`` (the store already had that label), ``pending`` (no verdict yet,
or healthy for less than the policy's stable window), ``unmatched`` (no build of the store
answers to it) or ``late`` (a rollback after the policy's rollback window: not a label).
``conflicts`` repeats the recorded outcomes that disagree with an earlier one of the same
build: both stand in the store, neither overwrites the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count
from cipipe.identifiers import BuildIdText, Name

SyncSource = Literal["argo-rollouts", "flagger", "jenkins", "artifactory"]
Label = Literal["ok", "rollback", "slo-breach", "hotfix"]


class SyncEntry(Strict):
    """One object of the source (a Rollout, a Canary, a job run, a stored file's property)."""

    subject: str = Field(description="What the source calls it, e.g. rollout/NAMESPACE/NAME")
    service: Name | None = Field(description="The matched build's service; None: unmatched")
    build_id: BuildIdText | None = Field(description="The matched build; None: unmatched")
    result: Label | None = Field(description="The outcome it signals; None: nothing yet")
    at: datetime | None = Field(description="When the outcome happened, as recorded")
    evidence: str = Field(description="What the source said, as kept in the outcome's note")
    matched_by: Literal["annotation", "image", "parameter", "property", "no-signal", "none"]
    reason: str | None = Field(default=None, description="Why it is pending, unmatched or late")
    earlier: list[Label] = Field(
        default_factory=list, description="Conflicts: the build's earlier outcomes"
    )


class Windows(Strict):
    """The policy's label windows (thresholds-and-windows.yaml ``labels``), in seconds."""

    rollback_within: Count
    stable_for: Count
    unsignalled_is_ok: bool


class OutcomeSync(Contract):
    SCHEMA_NAME: ClassVar[str] = "outcome-sync"
    FILE_NAME: ClassVar[str] = "outcome-sync.json"

    source: SyncSource
    read_from: str = Field(description="The file, job or store read (credentials stripped)")
    synced_at: datetime
    policy_version: str
    windows: Windows
    recorded: list[SyncEntry] = Field(default_factory=list)
    known: list[SyncEntry] = Field(default_factory=list)
    pending: list[SyncEntry] = Field(default_factory=list)
    unmatched: list[SyncEntry] = Field(default_factory=list)
    late: list[SyncEntry] = Field(default_factory=list)
    conflicts: list[SyncEntry] = Field(default_factory=list)
