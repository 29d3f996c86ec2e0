"""gate.json: the verdict on a build and the evidence behind each gate (seed 11)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.identifiers import BuildIdText, Name

Verdict = Literal["passed", "needs-attention", "rejected"]
GateStatus = Literal["passed", "failed", "missing", "warning", "skipped"]


class GateResult(Strict):
    name: str
    mandatory: bool = Field(description="A failed or missing mandatory gate rejects the build")
    status: GateStatus = Field(
        description="missing: its report does not exist (a failure when mandatory); warning: a "
        "non-blocking issue; skipped: not configured for this build"
    )
    evidence: str | None = Field(description="The file the status comes from")
    reason: str


class FeedbackResult(Strict):
    """What the gate told the outside world, and whether that worked."""

    target: str = Field(description="Where (no credentials): a store, a PR, a commit")
    action: str
    ok: bool
    error: str | None = None
    url: str | None = None


class GateReport(Contract):
    SCHEMA_NAME = "gate"
    FILE_NAME = "gate.json"

    service: Name
    build_id: BuildIdText
    commit: str
    verdict: Verdict
    summary: str = Field(description="One line: the verdict and why")
    gates: list[GateResult]
    junit: str = Field(description="JUnit XML of the gates, relative to the work folder")
    feedback: list[FeedbackResult] = Field(default_factory=list)
