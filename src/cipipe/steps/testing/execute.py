"""cipipe test: per platform, unit tests (with flaky reruns), smoke test and coverage."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from cipipe.adapters.compiler_cache import CompilerCache, find_compiler_cache
from cipipe.adapters.process import LoggedRunner, ProgramNotFound, ProgramTimedOut, run_logged
from cipipe.contracts.matrix import Matrix, PlatformPlan
from cipipe.contracts.repo_config import TestPolicy
from cipipe.contracts.source import Source
from cipipe.contracts.testing import (
    CoverageResult,
    FailedTest,
    PlatformTests,
    SmokeResult,
    TestCounts,
    TestsReport,
)
from cipipe.fileio import atomic_write_text, check_folders, fresh_output
from cipipe.formats.junit import JUnitCase, junit_xml
from cipipe.logs import SECRET_NAME
from cipipe.readers.coverage import CoverageSummary
from cipipe.steps.build import FindCache, run_build_commands, select_plans
from cipipe.steps.build.caching import cache_use, compile_settings_for
from cipipe.steps.build.environment import build_settings
from cipipe.steps.build.paths import build_folder, expand
from cipipe.steps.testing.coverage import coverage_build_commands, coverage_result, read_report
from cipipe.steps.testing.frameworks import ask_program, ctest_too_old, detect, is_ctest
from cipipe.steps.testing.runners import PlatformRunner, resolve_runner, smoke_runner
from cipipe.steps.testing.runs import ProgramRun, RunContext, run_test_command
from cipipe.steps.testing.smoke import not_run as smoke_not_run
from cipipe.steps.testing.smoke import run_smoke

log = logging.getLogger("cipipe.test")


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
    jobs: int = 1  # the CPU budget: the coverage tree's compilers, ctest's parallel tests
    compiler_cache: bool = True  # .cipipe.yaml build.compiler_cache, for the coverage tree


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

    release: Path  # the build that ships (cipipe build's tree): unit tests and smoke run there
    coverage: Path | None  # the instrumented tree, only for the coverage report


def _folders(plan: PlatformPlan, request: TestRequest) -> _Folders:
    def resolved(relative: str, field: str) -> Path:
        return build_folder(request.repo, relative, field=field, keep_out=(request.workdir,))

    where = f"platforms.{plan.platform}"
    release = resolved(plan.build_dir, f"{where}.build_dir")
    coverage = plan.tests.coverage
    tests = resolved(coverage.build_dir, f"{where}.tests.coverage.build_dir") if coverage else None
    return _Folders(release=release, coverage=tests)


@dataclass(frozen=True)
class _Platform:
    """What every part of one platform's test run needs."""

    plan: PlatformPlan
    request: TestRequest
    runner: LoggedRunner
    folders: _Folders
    log_path: Path
    cache: CompilerCache | None = None

    def expand(self, argv: Sequence[str], build_dir: Path, **extra: str) -> list[str]:
        repo = self.request.repo
        return [
            expand(a, source_dir=repo, build_dir=build_dir, platform=self.plan.platform, **extra)
            for a in argv
        ]

    def context(self) -> RunContext:
        request = self.request
        env = {k: v for k, v in request.env.items() if not SECRET_NAME.search(k)}
        # ctest runs its tests one at a time unless told otherwise.
        env.setdefault("CTEST_PARALLEL_LEVEL", str(request.jobs))
        timeout = request.policy.timeout_minutes * 60
        return RunContext(request.repo, env, self.log_path, timeout, self.runner, request.workdir)


def _unit_runs(p: _Platform, prefix: list[str]) -> list[ProgramRun]:
    """Every test command against the build that ships, with its failed tests rerun by name."""
    ctx = p.context()
    probe = ask_program(ctx.env)
    runs = []
    for index, argv in enumerate(p.plan.tests.commands):
        command = p.expand(argv, p.folders.release)
        framework = detect(command, prefix, probe)
        log.info("%s: %s read as %s", p.plan.platform, command[0], framework.name)
        too_old = ctest_too_old(command, probe) if framework.name == "ctest" else None
        if too_old:
            log.error("%s: %s", p.plan.platform, too_old)
            runs.append(ProgramRun(command, None, too_old, framework.name))
            continue
        reports = p.request.workdir / "reports" / p.plan.platform / f"run{index}"
        reruns = p.request.policy.flaky_reruns
        runs.append(run_test_command(framework, command, prefix, reports, reruns, ctx))
    return runs


def _smoke(p: _Platform, tests: PlatformRunner) -> SmokeResult | None:
    smoke = p.plan.tests.smoke
    if smoke is None:
        return None
    argv = p.expand(smoke.command, p.folders.release)
    how = smoke_runner(p.plan, tests)
    if how.unavailable:
        log.warning("%s: smoke test not run: %s", p.plan.platform, how.unavailable)
        return smoke_not_run(argv, how.unavailable)
    return run_smoke(smoke, argv, how.prefix, p.request.repo)


def _coverage_build(p: _Platform, build_dir: Path) -> str | None:
    """The instrumented tree, in a fresh folder with a build type of its own; through the
    compiler cache, so only what changed since the last coverage tree is compiled again."""
    coverage, request = p.plan.tests.coverage, p.request
    assert coverage is not None
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    compile_settings = compile_settings_for(
        request.env, p.cache, request.jobs, use_cache=request.compiler_cache
    )
    stats_log = fresh_output(
        request.workdir / "logs" / f"coverage-{p.plan.platform}.ccache-stats", root=request.workdir
    )
    settings = build_settings(
        p.plan.toolchain,
        source_dir=request.repo,
        build_dir=build_dir,
        source_date_epoch=int(request.source.commit_time.timestamp()),
        base_env=compile_settings.env,
        extra_compile_flags=coverage.compile_flags,
        extra_linker_flags=coverage.linker_flags,
        jobs=compile_settings.jobs,
        extra_env=compile_settings.extra_env(stats_log),
    )
    build = coverage_build_commands(p.plan.build, coverage.compile_flags, coverage.linker_flags)
    plan = p.plan.model_copy(update={"build": build})
    timeout = request.policy.timeout_minutes * 60
    failure = run_build_commands(
        plan, settings, request.repo, build_dir, p.log_path, p.runner, timeout
    )
    if compile_settings.cache is not None:
        used = cache_use(compile_settings.cache, stats_log)
        log.info(
            "%s: coverage tree: %d cache hit(s), %d miss(es)",
            p.plan.platform,
            used.hits,
            used.misses,
        )
    return failure


def _coverage(p: _Platform, prefix: list[str]) -> CoverageResult | None:
    """Coverage from its own instrumented tree: the tests run there only to produce the report;
    their counts are the shipping tree's."""
    coverage, build_dir, request = p.plan.tests.coverage, p.folders.coverage, p.request
    if coverage is None or build_dir is None:
        return None
    platform, workdir, ctx = p.plan.platform, request.workdir, p.context()
    log.info("%s: instrumented build for coverage in %s", platform, coverage.build_dir)
    failure = _coverage_build(p, build_dir)
    if failure:
        log.warning("%s: no coverage: the coverage build failed: %s", platform, failure)
        return None
    for argv in p.plan.tests.commands:
        command = p.expand(argv, build_dir)
        # ctest starts the binaries through the toolchain's emulator itself.
        full = command if is_ctest(command) else [*prefix, *command]
        _run_for_coverage(full, ctx)
    report = fresh_output(workdir / "reports" / f"coverage-{platform}.xml", root=workdir)
    code = _run_for_coverage(p.expand(coverage.command, build_dir, report=str(report)), ctx)
    if code != 0:
        log.warning("%s: no coverage: its command exited %s (see %s)", platform, code, p.log_path)
        return None
    baseline = None
    if request.baseline is not None:
        baseline = request.baseline.get(platform) or request.baseline.get("*")
    return coverage_result(
        read_report(report), str(report.relative_to(workdir)), baseline, request.baseline_name
    )


def _run_for_coverage(argv: list[str], ctx: RunContext) -> int | None:
    try:
        return ctx.runner(
            argv, cwd=ctx.cwd, env=ctx.env, log_path=ctx.log_path, timeout=ctx.timeout
        )
    except (ProgramNotFound, ProgramTimedOut) as exc:
        log.warning("%s", exc)
        return None


def run_platform_tests(
    plan: PlatformPlan,
    request: TestRequest,
    runner: LoggedRunner,
    folders: _Folders,
    cache: CompilerCache | None = None,
) -> PlatformTests:
    start = time.monotonic()
    workdir = request.workdir
    log_path = fresh_output(workdir / "logs" / f"test-{plan.platform}.log", root=workdir)
    p = _Platform(plan, request, runner, folders, log_path, cache)
    test_runner = resolve_runner(plan.tests)
    if test_runner.unavailable:
        log.warning("%s: tests not run: %s", plan.platform, test_runner.unavailable)
        return PlatformTests(
            platform=plan.platform,
            runner=test_runner.name,
            status="not-run",
            reason=test_runner.unavailable,
            smoke=_smoke(p, test_runner),
        )
    runs = _unit_runs(p, test_runner.prefix)
    counts, failures = _tally(runs, request.policy.critical)
    junit_path = workdir / "reports" / f"junit-{plan.platform}.xml"
    atomic_write_text(junit_path, _junit(plan.platform, runs), root=workdir)
    return PlatformTests(
        platform=plan.platform,
        runner=test_runner.name,
        status="ran",
        counts=counts,
        failures=failures,
        flaky=[name for run in runs if run.merged for name in run.merged.flaky],
        junit=str(junit_path.relative_to(workdir)),
        smoke=_smoke(p, test_runner),
        coverage=_coverage(p, test_runner.prefix),
        duration_seconds=round(time.monotonic() - start, 3),
        frameworks=[run.framework for run in runs],
    )


def run_tests(
    request: TestRequest,
    *,
    runner: LoggedRunner = run_logged,
    find_cache: FindCache = find_compiler_cache,
) -> TestsReport:
    plans = select_plans(request.matrix, request.platforms)
    # Every folder is checked before any platform runs: a bad one leaves nothing half-done.
    folders = [_folders(p, request) for p in plans]
    workdir = request.workdir
    outputs = [workdir / "logs", workdir / "reports"]
    check_folders([*outputs, *(workdir / "reports" / p.platform for p in plans)], root=workdir)
    cache = find_cache(request.env)
    platforms = [
        run_platform_tests(plan, request, runner, folder, cache)
        for plan, folder in zip(plans, folders, strict=True)
    ]
    return summarise(request.source.commit, platforms)


def summarise(commit: str, platforms: list[PlatformTests]) -> TestsReport:
    """tests.json from its platforms: the critical failures and the outcome follow from them."""
    critical = [f"{p.platform}: {f.name}" for p in platforms for f in p.failures if f.critical] + [
        f"{p.platform}: smoke test ({p.smoke.reason})"
        for p in platforms
        if p.smoke and p.smoke.status == "ran" and not p.smoke.passed
    ]
    return TestsReport(
        commit=commit,
        platforms=platforms,
        critical_failures=critical,
        outcome="failed" if critical else "passed",
    )


def merge_into(
    previous: TestsReport | None, fresh: TestsReport, order: Sequence[str]
) -> TestsReport:
    """``fresh`` (some platforms) merged into the work folder's tests.json: only its platforms'
    entries are replaced, in the matrix's order. A tests.json of another commit is dropped."""
    if previous is None:
        return fresh
    if previous.commit != fresh.commit:
        log.info(
            "tests.json was for commit %s, not %s: replaced, not merged",
            previous.commit[:12],
            fresh.commit[:12],
        )
        return fresh
    by_name = {p.platform: p for p in previous.platforms}
    by_name.update({p.platform: p for p in fresh.platforms})
    rank = {name: index for index, name in enumerate(order)}
    platforms = sorted(by_name.values(), key=lambda p: rank.get(p.platform, len(rank)))
    return summarise(fresh.commit, platforms)
