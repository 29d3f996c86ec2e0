"""The gate's inputs as plain contract objects: a matrix, tests, precheck, scan and artifacts."""

from __future__ import annotations

from typing import Any

from cipipe.contracts.artifacts import Artifacts, Reproducibility
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.precheck import CheckResult, Precheck, SeverityCounts
from cipipe.contracts.scan import ScanReport, SeverityTally
from cipipe.contracts.testing import (
    CoverageResult,
    PlatformTests,
    SmokeResult,
    TestCounts,
    TestsReport,
)

COMMIT = "a" * 40


def check(
    name: str, *, errors: int = 0, warnings: int = 0, passed: bool = True, status: str = "ran"
) -> CheckResult:
    return CheckResult(
        name=name,
        status=status,
        passed=passed,
        blocking=True,
        required=True,
        files_checked=3,
        counts=SeverityCounts(error=errors, warning=warnings),
    )


def precheck(**checks: CheckResult) -> Precheck:
    defaults = {n: check(n) for n in ("clang-format", "cppcheck", "clang-tidy")}
    defaults.update({k.replace("_", "-"): v for k, v in checks.items()})
    return Precheck(
        commit=COMMIT,
        scope="all",
        base=None,
        outcome="passed",
        blocking_failures=[],
        checks=list(defaults.values()),
    )


def platform(
    name: str,
    *,
    failed: int = 0,
    flaky: tuple[str, ...] = (),
    smoke: bool | None = True,
    ran: bool = True,
    delta: float | None = None,
    total: int = 10,
) -> PlatformTests:
    return PlatformTests(
        platform=name,
        runner="native" if ran else "none",
        status="ran" if ran else "not-run",
        reason=None if ran else "no runner",
        counts=TestCounts(total=total, passed=total - failed, failed=failed, flaky=len(flaky)),
        flaky=list(flaky),
        smoke=None
        if smoke is None
        else SmokeResult(command=["svc"], passed=smoke, exit_code=0 if smoke else 1, output=""),
        coverage=None
        if name != "linux"
        else CoverageResult(
            format="cobertura",
            line_percent=80.0,
            branch_percent=None,
            lines_covered=80,
            lines_valid=100,
            branches_covered=0,
            branches_valid=0,
            report="reports/coverage-linux.xml",
            baseline="main" if delta is not None else None,
            line_delta=delta,
            branch_delta=None,
        ),
    )


def make_tests(*platforms: PlatformTests, critical: tuple[str, ...] = ()) -> TestsReport:
    return TestsReport(
        commit=COMMIT,
        platforms=list(platforms) or [platform("linux"), platform("arm", smoke=None)],
        critical_failures=list(critical),
        outcome="failed" if critical else "passed",
    )


def scan(blocking: tuple[str, ...] = (), high: int = 0) -> ScanReport:
    return ScanReport(
        components=3,
        advisories=10,
        sources=["osv"],
        findings=[],
        counts=SeverityTally(critical=len(blocking), high=high),
        blocking=list(blocking),
        outcome="failed" if blocking else "passed",
    )


def artifacts(checked: bool = True, differing: tuple[str, ...] = ()) -> Artifacts:
    return Artifacts.model_validate(
        {
            "service": "svc",
            "commit": COMMIT,
            "build_id": "7",
            "build_id_source": "flag",
            "platforms": [{"platform": p, "status": "built"} for p in ("linux", "arm")],
            "artifacts": [],
            "reproducibility": Reproducibility(
                checked=checked, required=True, differing=list(differing)
            ).model_dump(),
        }
    )


def matrix(*platforms: str, commit: str = COMMIT) -> Matrix:
    """matrix.json planning ``platforms`` (default: the config's linux and arm)."""
    return Matrix.model_validate(
        {
            "service": "svc",
            "commit": commit,
            "platforms": [plan(name) for name in platforms or ("linux", "arm")],
        }
    )


def plan(name: str) -> dict[str, Any]:
    return {
        "platform": name,
        "os": "linux",
        "arch": "x86_64",
        "agent": "any",
        "toolchain": {"compiler": "g++", "version": "12", "lock_id": "0" * 64},
        "build_dir": f"build/{name}",
        "build": [["cmake", "--build", "{build_dir}"]],
        "tests": {"runner": "native", "commands": []},
        "artifacts": ["{build_dir}/bin/*"],
    }
