"""cipipe build: writes the named artifacts, artifacts.json and SHA256SUMS."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import identifier, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.build")


@dataclass(frozen=True)
class BuildArgs:
    repo: Path
    config_path: Path | None = None
    platforms: tuple[str, ...] = ()
    jobs: int | None = None
    build_id: str | None = None
    check_reproducible: bool = False
    skip_missing_toolchains: bool = False


def execute(state: CliState, args: BuildArgs) -> int:
    from cipipe.cli.inputs import plan_inputs
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.cpus import usable_cpus
    from cipipe.steps.build import BuildRequest, run_build
    from cipipe.steps.build.naming import resolve_build_id
    from cipipe.steps.build.rerun import merged_into, reused_build_id

    config, source, matrix = plan_inputs(state, args.repo, args.config_path)
    with state.workdir.locked():
        # A per-platform run merges into the work folder's files (another build's are replaced).
        previous = state.workdir.read_optional(Artifacts) if args.platforms else None
        build_id = reused_build_id(
            previous,
            args.platforms,
            service=matrix.service,
            commit=source.commit,
            flag=args.build_id,
            env=os.environ,
        ) or resolve_build_id(
            args.build_id,
            os.environ,
            # Taken only when needed: a counter that skips numbers would confuse people.
            next_counter=0
            if args.build_id or os.environ.get("BUILD_NUMBER")
            else state.workdir.next_build_number(),
        )
        outputs = run_build(
            BuildRequest(
                repo=args.repo.resolve(),
                workdir=state.workdir.path.resolve(),
                matrix=matrix,
                source=source,
                policy=config.build,
                build_id=build_id,
                env=os.environ,
                platforms=args.platforms,
                jobs=args.jobs or usable_cpus(),
                # A policy that requires reproducibility gets it checked, flag or not.
                check_reproducible=args.check_reproducible or config.build.require_reproducible,
                skip_missing_toolchains=args.skip_missing_toolchains,
            )
        )
        whole = merged_into(previous, outputs)
        state.workdir.write_text(whole.artifacts.checksums_file, whole.checksums)
        state.workdir.write(whole.artifacts)
    built = [a.name for a in outputs.artifacts.artifacts]
    log.info("build %s: %d artifact(s) in %s", build_id.value, len(built), state.workdir.path)
    # The exit code is this run's: a platform that failed earlier is the build gate's to judge.
    return int(ExitCode.REJECTED if outputs.failed else ExitCode.OK)


@click.command("build")
@repo_options
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    callback=identifier("name"),
    help="Build only this platform (repeatable)",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="CPUs for the whole build, shared by the platforms (and rebuilds) building at once  "
    "[default: the CPUs this process may use]",
)
@click.option(
    "--build-id",
    callback=identifier("build id"),
    help="Build id in artifact names  [default: BUILD_NUMBER, else a counter]",
)
@click.option(
    "--check-reproducible",
    is_flag=True,
    help="Build each platform again in another folder, from scratch (no compiler cache) and "
    "alongside the other builds, and compare the artifacts  [always when .cipipe.yaml "
    "build.require_reproducible]",
)
@click.option(
    "--skip-missing-toolchains",
    is_flag=True,
    help="Report platforms whose compiler is not installed as skipped instead of failing",
)
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    platforms: tuple[str, ...],
    jobs: int | None,
    build_id: str | None,
    check_reproducible: bool,
    skip_missing_toolchains: bool,
) -> int:
    """Build every platform of the matrix in a clean folder (seed 4).

    \b
    Reads:  matrix.json, source.json, .cipipe.yaml (build policy)
    Writes: artifacts/<platform>/<service>-<platform>-<commit>-<buildId>[.ext],
            artifacts.json, SHA256SUMS, logs/build-<platform>.log
    Every platform built gets a record in artifacts.json: built, failed (the command and its
    exit code, or no file matching the artifact globs) or skipped (the compiler to install).
    With --platform, artifacts.json and SHA256SUMS of the same build in the work folder keep
    the other platforms (the build id is reused when none is given); another build's files
    are replaced. Exit 1 when a build fails, or when artifacts differ between two builds and
    the policy requires reproducible builds.
    """
    return execute(
        state,
        BuildArgs(
            repo,
            config_path,
            platforms,
            jobs,
            build_id,
            check_reproducible,
            skip_missing_toolchains,
        ),
    )
