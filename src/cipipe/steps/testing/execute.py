"""cipipe test: per platform, unit tests (with flaky reruns), smoke test and coverage."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_logged
from cipipe.contracts.matrix import Matrix, PlatformPlan
from cipipe.contracts.repo_config import TestPolicy
from cipipe.contracts.source import Source
from cipipe.contracts.testing import (
    CoverageResult,
    FailedTest,
    PlatformTests,
    TestCounts,
    TestsReport,
)
from cipipe.fileio import atomic_write_text, check_folders, fresh_output
from cipipe.formats.junit import JUnitCase, junit_xml
from cipipe.logs import SECRET_NAME
from cipipe.readers.coverage import CoverageSummary
from cipipe.steps.build import run_build_commands, select_plans
from cipipe.steps.build.environment import build_settings
from cipipe.steps.build.paths import build_folder, expand
from cipipe.steps.testing.coverage import coverage_result, read_report
from cipipe.steps.testing.gtest_runs import ProgramRun, RunContext, run_gtest_program
from cipipe.steps.testing.runners import resolve_runner
from cipipe.steps.testing.smoke import run_smoke

log = logging.getLogger("cipipe.test")

Runner = Callable[..., int]


@dataclass(frozen=True)
class TestRequest:
    __test__ = False

    repo: Path
    workdir: Path
    matrix: Matrix
    source: Source
    policy: TestPolicy
    env: Mapping[str, str]
    platforms: Sequence[str] = ()
    baseline: Mapping[str, CoverageSummary | CoverageResult] | None = None
    baseline_name: str | None = None


def is_critical(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def _tally(runs: list[ProgramRun], patterns: Sequence[str]) -> tuple[TestCounts, list[FailedTest]]:
    counts = TestCounts()
    failures: list[FailedTest] = []
    for run in runs:
        if run.merged is None:
            counts.errors += 1
            failures.append(
                FailedTest(name=" ".join(run.command), message=run.error, critical=True)
            )
            continue
        for case in run.merged.cases:
            counts.total += 1
            setattr(counts, case.status, getattr(counts, case.status) + 1)
            if case.status == "failed":
                failures.append(
                    FailedTest(
                        name=case.full_name,
                        message=case.message,
                        critical=is_critical(case.full_name, patterns),
                    )
                )
        counts.flaky += len(run.merged.flaky)
    return counts, failures


def _junit(platform: str, runs: list[ProgramRun]) -> str:
    suites: dict[str, list[JUnitCase]] = {}
    for run in runs:
        if run.merged is not None:
            for suite, cases in run.merged.junit.items():
                suites.setdefault(f"{platform}.{suite}", []).extend(cases)
        else:
            suites.setdefault(f"{platform}.errors", []).append(
                JUnitCase(
                    classname=f"{platform}.errors",
                    name=" ".join(run.command),
                    time=0.0,
                    outcome="error",
                    message=run.error,
                )
            )
    return junit_xml(suites)


@dataclass(frozen=True)
class _Folders:
    """A platform's folders in the repository, resolved and checked before anything runs."""

    tests: Path  # the coverage build when there is one, else the release build
    release: Path  # where the smoke test finds the built program


def _folders(plan: PlatformPlan, request: TestRequest) -> _Folders:
    def resolved(relative: str, field: str) -> Path:
        return build_folder(request.repo, relative, field=field, keep_out=(request.workdir,))

    where = f"platforms.{plan.platform}"
    release = resolved(plan.build_dir, f"{where}.build_dir")
    coverage = plan.tests.coverage
    tests = resolved(coverage.build_dir, f"{where}.tests.coverage.build_dir") if coverage else None
    return _Folders(tests=tests or release, release=release)


def _coverage_build(
    plan: PlatformPlan, request: TestRequest, build_dir: Path, log_path: Path, runner: Runner
) -> str | None:
    assert plan.tests.coverage is not None
    import shutil

    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    settings = build_settings(
        plan.toolchain,
        source_dir=request.repo,
        build_dir=build_dir,
        source_date_epoch=int(request.source.commit_time.timestamp()),
        base_env=request.env,
        extra_compile_flags=plan.tests.coverage.compile_flags,
        extra_linker_flags=plan.tests.coverage.linker_flags,
    )
    timeout = request.policy.timeout_minutes * 60
    return run_build_commands(plan, settings, request.repo, build_dir, log_path, runner, timeout)


def run_platform_tests(
    plan: PlatformPlan, request: TestRequest, runner: Runner, folders: _Folders
) -> PlatformTests:
    start = time.monotonic()
    repo, workdir = request.repo, request.workdir
    test_runner = resolve_runner(plan.tests)
    if test_runner.unavailable:
        log.warning("%s: tests not run: %s", plan.platform, test_runner.unavailable)
        return PlatformTests(
            platform=plan.platform,
            runner=test_runner.name,
            status="not-run",
            reason=test_runner.unavailable,
        )
    log_path = fresh_output(workdir / "logs" / f"test-{plan.platform}.log", root=workdir)
    coverage = plan.tests.coverage
    build_dir = folders.tests
    if coverage:
        log.info("%s: instrumented build for coverage in %s", plan.platform, coverage.build_dir)
        failure = _coverage_build(plan, request, build_dir, log_path, runner)
        if failure:
            return PlatformTests(
                platform=plan.platform,
                runner=test_runner.name,
                status="not-run",
                reason=f"coverage build failed: {failure}",
            )
    env = {k: v for k, v in request.env.items() if not SECRET_NAME.search(k)}
    ctx = RunContext(repo, env, log_path, request.policy.timeout_minutes * 60, runner, workdir)
    runs = []
    for index, argv in enumerate(plan.tests.commands):
        command = [
            expand(a, source_dir=repo, build_dir=build_dir, platform=plan.platform) for a in argv
        ]
        reports = workdir / "reports" / plan.platform / f"run{index}"
        runs.append(
            run_gtest_program(
                command, test_runner.prefix, reports, request.policy.flaky_reruns, ctx
            )
        )
    counts, failures = _tally(runs, request.policy.critical)
    junit_path = workdir / "reports" / f"junit-{plan.platform}.xml"
    atomic_write_text(junit_path, _junit(plan.platform, runs), root=workdir)

    smoke = None
    if plan.tests.smoke:
        argv = [
            expand(a, source_dir=repo, build_dir=folders.release, platform=plan.platform)
            for a in plan.tests.smoke.command
        ]
        smoke = run_smoke(plan.tests.smoke, argv, test_runner.prefix, repo)

    coverage_result_ = None
    if coverage:
        report = fresh_output(workdir / "reports" / f"coverage-{plan.platform}.xml", root=workdir)
        argv = [
            expand(
                a, source_dir=repo, build_dir=build_dir, platform=plan.platform, report=str(report)
            )
            for a in coverage.command
        ]
        try:
            code = runner(argv, cwd=repo, env=env, log_path=log_path, timeout=ctx.timeout)
        except (ProgramNotFound, ProgramTimedOut) as exc:
            log.warning("%s: no coverage: %s", plan.platform, exc)
            code = None
        if code == 0:
            baseline = None
            if request.baseline is not None:
                baseline = request.baseline.get(plan.platform) or request.baseline.get("*")
            coverage_result_ = coverage_result(
                read_report(report),
                str(report.relative_to(workdir)),
                baseline,
                request.baseline_name,
            )
        elif code is not None:
            log.warning("%s: coverage command exited %d (see %s)", plan.platform, code, log_path)
    return PlatformTests(
        platform=plan.platform,
        runner=test_runner.name,
        status="ran",
        counts=counts,
        failures=failures,
        flaky=[name for run in runs if run.merged for name in run.merged.flaky],
        junit=str(junit_path.relative_to(workdir)),
        smoke=smoke,
        coverage=coverage_result_,
        duration_seconds=round(time.monotonic() - start, 3),
    )


def run_tests(request: TestRequest, *, runner: Runner = run_logged) -> TestsReport:
    plans = select_plans(request.matrix, request.platforms)
    # Every folder is checked before any platform runs: a bad one leaves nothing half-done.
    folders = [_folders(p, request) for p in plans]
    workdir = request.workdir
    outputs = [workdir / "logs", workdir / "reports"]
    check_folders([*outputs, *(workdir / "reports" / p.platform for p in plans)], root=workdir)
    platforms = [
        run_platform_tests(plan, request, runner, folder)
        for plan, folder in zip(plans, folders, strict=True)
    ]
    critical = [f"{p.platform}: {f.name}" for p in platforms for f in p.failures if f.critical] + [
        f"{p.platform}: smoke test ({p.smoke.reason})"
        for p in platforms
        if p.smoke and not p.smoke.passed
    ]
    return TestsReport(
        commit=request.source.commit,
        platforms=platforms,
        critical_failures=critical,
        outcome="failed" if critical else "passed",
    )
