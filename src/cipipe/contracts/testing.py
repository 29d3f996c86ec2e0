"""tests.json: unit, smoke and coverage results per platform (seed 5.1-5.3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Amount, Count, Percent, PercentPoints
from cipipe.identifiers import Name


class TestCounts(Strict):
    __test__ = False

    total: Count = 0
    passed: Count = 0
    failed: Count = 0
    skipped: Count = 0
    disabled: Count = 0
    flaky: Count = Field(default=0, description="Failed first, passed on a rerun (in passed too)")
    errors: Count = Field(default=0, description="Test programs that crashed or left no report")


class FailedTest(Strict):
    name: str = Field(description="Suite.name, or the command for an error")
    message: str | None = None
    critical: bool


class SmokeResult(Strict):
    command: list[str]
    status: Literal["ran", "not-run"] = Field(
        default="ran", description="not-run: no way to start it here (reason says why)"
    )
    passed: bool
    exit_code: int | None
    reason: str | None = None
    output: str = Field(description="The end of stdout, for the reader")


class CoverageResult(Strict):
    format: Literal["cobertura", "lcov"]
    line_percent: Percent | None
    branch_percent: Percent | None
    lines_covered: Count
    lines_valid: Count
    branches_covered: Count
    branches_valid: Count
    report: str = Field(description="Report file, relative to the work folder")
    baseline: str | None = Field(description="What the delta compares with; null: no baseline")
    line_delta: PercentPoints | None = Field(description="Percentage points; null when unknown")
    branch_delta: PercentPoints | None


class PlatformTests(Strict):
    platform: Name
    runner: Literal["native", "qemu", "wine", "emulator", "none"]
    status: Literal["ran", "not-run"]
    reason: str | None = None
    counts: TestCounts = Field(default_factory=TestCounts)
    failures: list[FailedTest] = Field(default_factory=list)
    flaky: list[str] = Field(default_factory=list)
    junit: str | None = Field(default=None, description="Merged JUnit XML, relative to workdir")
    smoke: SmokeResult | None = None
    coverage: CoverageResult | None = None
    duration_seconds: Amount = 0.0
    frameworks: list[Literal["ctest", "gtest", "catch2"]] = Field(
        default_factory=list, description="What each test command was read as, in order"
    )


class TestsReport(Contract):
    __test__ = False

    SCHEMA_NAME = "tests"
    FILE_NAME = "tests.json"

    commit: str
    platforms: list[PlatformTests]
    critical_failures: list[str] = Field(description="platform: test, for the tests that block")
    outcome: Literal["passed", "failed"]
