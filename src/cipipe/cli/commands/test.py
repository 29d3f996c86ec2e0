"""cipipe test: writes tests.json, merged JUnit XML and coverage reports."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import identifier, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.test")


@dataclass(frozen=True)
class TestArgs:
    __test__ = False

    repo: Path
    config_path: Path | None = None
    platforms: tuple[str, ...] = ()
    baseline: Path | None = None


def execute(state: CliState, args: TestArgs) -> int:
    from cipipe.cli.inputs import plan_inputs
    from cipipe.contracts.testing import TestsReport
    from cipipe.cpus import usable_cpus
    from cipipe.steps.testing.coverage import load_baseline
    from cipipe.steps.testing.execute import TestRequest, merge_into, run_tests

    config, source, matrix = plan_inputs(state, args.repo, args.config_path)
    baseline = load_baseline(args.baseline) if args.baseline else None
    with state.workdir.locked():
        report = run_tests(
            TestRequest(
                repo=args.repo.resolve(),
                workdir=state.workdir.path.resolve(),
                matrix=matrix,
                source=source,
                policy=config.test,
                env=os.environ,
                platforms=args.platforms,
                baseline=baseline,
                baseline_name=str(args.baseline) if args.baseline else None,
                jobs=usable_cpus(),
                compiler_cache=config.build.compiler_cache,
            )
        )
        if args.platforms:
            # A per-platform run (one Jenkins agent) replaces only its platforms' entries.
            previous = state.workdir.read_optional(TestsReport)
            order = [p.platform for p in matrix.platforms]
            report = merge_into(previous, report, order)
        state.workdir.write(report)
    for platform in report.platforms:
        if args.platforms and platform.platform not in args.platforms:
            continue
        c = platform.counts
        if platform.status != "ran":
            log.info("%s: not run: %s", platform.platform, platform.reason)
            continue
        log.info(
            "%s (%s): %d passed, %d failed, %d skipped, %d disabled, %d flaky, %d errors",
            platform.platform,
            platform.runner,
            c.passed,
            c.failed,
            c.skipped,
            c.disabled,
            c.flaky,
            c.errors,
        )
        if c.total == 0:
            log.warning(
                "%s: no test found: are the project's tests built (often a CMake option)? "
                "The unit-tests gate counts this platform as not tested",
                platform.platform,
            )
    if report.outcome == "failed":
        log.error("critical failures: %s", "; ".join(report.critical_failures))
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


@click.command("test")
@repo_options
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    callback=identifier("name"),
    help="Test only this platform (repeatable)",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A previous tests.json or coverage report (Cobertura XML, lcov) for the coverage delta",
)
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    platforms: tuple[str, ...],
    baseline: Path | None,
) -> int:
    """Run each platform's unit tests, smoke test and coverage (seed 5.1-5.3).

    \b
    Reads:  matrix.json, source.json, the build folders, .cipipe.yaml (test policy)
    Writes: tests.json, reports/junit-<platform>.xml, reports/coverage-<platform>.xml
    Exit 1 when a critical test fails, a test program crashes or a smoke test fails.
    With --platform, tests.json of the same commit keeps the other platforms' entries.
    """
    return execute(state, TestArgs(repo, config_path, platforms, baseline))
