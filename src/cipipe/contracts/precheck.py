"""precheck.json: the lightweight pre-checks of seed 2.2, one result per check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Amount, Count

Severity = Literal["error", "warning", "note"]
SEVERITY_ORDER: dict[str, int] = {"note": 0, "warning": 1, "error": 2}
# skipped: nothing to check (no files, no style file); disabled: turned off in .cipipe.yaml;
# incomplete: the tool was stopped at its time limit, its findings so far are kept;
# not-run: the installed tool is too old for the repository's style file (reason: the version)
CheckStatus = Literal[
    "ran", "incomplete", "not-installed", "failed-to-run", "not-run", "skipped", "disabled"
]
# A tool that gave no result: a required one fails the precheck and the gates whatever its
# policy, since a tool that cannot check is never a silent pass.
NO_RESULT_STATUSES: tuple[str, ...] = ("not-installed", "failed-to-run", "not-run")
CompileDbOrigin = Literal["configured", "found", "configure-step", "none"]


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


class WholeFiles(Strict):
    """clang-format judging the lines a change touches: what it reports on the whole of the
    changed files, for information (an old style file or untouched code is not the change's)."""

    findings: Count
    files: Count = Field(description="Files with findings")


class CheckResult(Strict):
    name: str
    status: CheckStatus
    passed: bool = Field(description="False when the check failed its policy (or could not run)")
    blocking: bool = Field(description="Whether a failure of this check fails the precheck")
    required: bool
    fail_on: Severity = Field(
        default="error", description="Lowest severity that fails the check (its policy)"
    )
    failing: Count = Field(default=0, description="Findings at or above fail_on")
    timed_out_after: Amount | None = Field(
        default=None, description="Seconds after which the tool was stopped (status incomplete)"
    )
    reason: str | None = Field(
        default=None, description="Why it failed, was skipped or did not run"
    )
    tool: ToolInfo | None = None
    lines: Literal["all", "changed"] = Field(
        default="all",
        description="Lines judged: all of each file, or (clang-format, --scope changed) the "
        "lines the change touches",
    )
    whole_files: WholeFiles | None = Field(
        default=None, description="With lines changed: the whole files' count, not judged"
    )
    note: str | None = Field(default=None, description="Information that does not judge")
    files_checked: Count = 0
    files_with_findings: Count = Field(default=0, description="Distinct files among the findings")
    counts: SeverityCounts = Field(default_factory=SeverityCounts)
    findings: list[Finding] = Field(default_factory=list)
    duration_seconds: Amount = 0.0
    files_from_cache: Count = Field(
        default=0,
        description="Files whose result came from the result cache (unchanged file, tool, "
        "configuration and compile command): not analysed again",
    )
    timed_out_files: list[str] = Field(
        default_factory=list,
        description="Files whose analysis passed the per-file time limit and was stopped "
        "(status incomplete); the other files were still analysed",
    )


class CompileDatabase(Strict):
    """Where clang-tidy and cppcheck took compile flags from."""

    origin: CompileDbOrigin = Field(
        default="none",
        description="configured: precheck.compile_commands; found: a compile_commands.json in "
        "the repository; configure-step: made by precheck's cmake configure; none: flags from "
        "precheck.std and include_dirs",
    )
    folder: str | None = Field(
        default=None, description="Repository-relative folder of compile_commands.json"
    )
    log: str | None = Field(default=None, description="The configure step's log (work folder)")
    note: str | None = Field(default=None, description="Why the configure step gave no database")


class Precheck(Contract):
    SCHEMA_NAME = "precheck"
    FILE_NAME = "precheck.json"

    commit: str
    scope: Literal["all", "changed"]
    scope_reason: str | None = Field(
        default=None,
        description="Why this scope: --scope, precheck.scope in .cipipe.yaml, or the default "
        "(changed for a pull request, all for a branch build)",
    )
    base: str | None = Field(
        description="Start of the change (source.json change_base) the changed files were "
        "taken against; null for scope all or a first commit"
    )
    outcome: Literal["passed", "failed"]
    blocking_failures: list[str]
    attention: list[str] = Field(
        default_factory=list,
        description="Checks that failed or stopped early without blocking: a gate warning",
    )
    compile_db: CompileDatabase = Field(default_factory=CompileDatabase)
    checks: list[CheckResult]
    sarif: str = "precheck.sarif"
