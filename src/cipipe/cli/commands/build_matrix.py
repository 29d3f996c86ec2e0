"""cipipe build-matrix: writes matrix.json."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.build-matrix")


@dataclass(frozen=True)
class BuildMatrixArgs:
    repo: Path
    config_path: Path | None = None
    output_format: str = "none"


def execute(state: CliState, args: BuildMatrixArgs) -> int:
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.contracts.source import Source
    from cipipe.steps.build_matrix import jenkins_lines, plan_matrix, toolchain_lines

    path = config_path(args.repo, args.config_path)
    config = load_repo_config(path)
    source = state.workdir.read(Source, produced_by="precheck")
    matrix = plan_matrix(config, source, config_file=str(path))
    # Rendered before anything is written: a refusal leaves neither matrix.json nor a line.
    output = ""
    if args.output_format == "jenkins":
        output = jenkins_lines(matrix)
    elif args.output_format == "json":
        output = matrix.to_json()
    with state.workdir.locked():
        state.workdir.write(matrix)
    log.info(
        "build matrix: %s", ", ".join(f"{p.platform} on {p.agent!r}" for p in matrix.platforms)
    )
    for line in toolchain_lines(matrix):
        log.info("%s", line)
    sys.stdout.write(output)
    return int(ExitCode.OK)


@click.command("build-matrix")
@repo_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["none", "json", "jenkins"]),
    default="none",
    show_default=True,
    help="Also print the matrix: as JSON, or as 'platform<TAB>agent' lines for a parallel block",
)
@click.pass_obj
def command(state: CliState, repo: Path, config_path: Path | None, output_format: str) -> int:
    """Plan one build per supported platform (seed 3).

    \b
    Reads:  .cipipe.yaml, source.json
    Writes: matrix.json
    """
    return execute(state, BuildMatrixArgs(repo, config_path, output_format))
