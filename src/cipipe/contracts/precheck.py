"""precheck.json: the lightweight pre-checks of seed 2.2, one result per check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Amount, Count

Severity = Literal["error", "warning", "note"]
SEVERITY_ORDER: dict[str, int] = {"note": 0, "warning": 1, "error": 2}
# skipped: nothing to check (no files, no style file); disabled: turned off in .cipipe.yaml
CheckStatus = Literal["ran", "not-installed", "failed-to-run", "skipped", "disabled"]


class Finding(Strict):
    file: str | None = Field(description="Repository-relative path, '/' separated")
    line: Count | None = None
    column: Count | None = None
    rule: str
    message: str
    severity: Severity
    tool_severity: str = Field(description="The severity as the tool named it")


class SeverityCounts(Strict):
    error: Count = 0
    warning: Count = 0
    note: Count = 0


class ToolInfo(Strict):
    executable: str
    version: str | None


class CheckResult(Strict):
    name: str
    status: CheckStatus
    passed: bool = Field(description="False when the check failed its policy (or could not run)")
    blocking: bool = Field(description="Whether a failure of this check fails the precheck")
    required: bool
    reason: str | None = Field(
        default=None, description="Why it failed, was skipped or did not run"
    )
    tool: ToolInfo | None = None
    files_checked: Count = 0
    counts: SeverityCounts = Field(default_factory=SeverityCounts)
    findings: list[Finding] = Field(default_factory=list)
    duration_seconds: Amount = 0.0


class Precheck(Contract):
    SCHEMA_NAME = "precheck"
    FILE_NAME = "precheck.json"

    commit: str
    scope: Literal["all", "changed"]
    base: str | None = Field(description="Merge base the changed files were taken against")
    outcome: Literal["passed", "failed"]
    blocking_failures: list[str]
    checks: list[CheckResult]
    sarif: str = "precheck.sarif"
