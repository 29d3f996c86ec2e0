"""cipipe run: every step that exists, in order, into one work folder."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.commands import (
    build,
    build_info,
    build_matrix,
    checklist,
    decide_strategy,
    gate,
    notify,
    precheck,
    publish,
    sbom,
    scan,
    test,
)
from cipipe.cli.key_figures import key_figure
from cipipe.cli.options import repo_options
from cipipe.errors import CipipeError, ExitCode

log = logging.getLogger("cipipe.run")


@dataclass
class StepOutcome:
    step: str
    exit_code: int
    seconds: float
    message: str = ""


def pipeline(
    repo: Path, config: Path | None, repository: str = "candidates"
) -> list[tuple[str, Callable[[CliState], int]]]:
    """The steps in order; ``repository`` is the store's repository for every step that
    publishes to or reads from it, so they all see the same candidate."""
    target = os.environ.get("CIPIPE_ARTIFACTORY_URL")
    return [
        ("precheck", lambda s: precheck.execute(s, precheck.PrecheckArgs(repo, config))),
        (
            "build-matrix",
            lambda s: build_matrix.execute(s, build_matrix.BuildMatrixArgs(repo, config)),
        ),
        # On a laptop some cross toolchains are usually missing: those platforms are
        # reported as skipped (with the package to install) rather than failing the run.
        (
            "build",
            lambda s: build.execute(s, build.BuildArgs(repo, config, skip_missing_toolchains=True)),
        ),
        ("test", lambda s: test.execute(s, test.TestArgs(repo, config))),
        ("sbom", lambda s: sbom.execute(s, repo, config)),
        ("scan", lambda s: scan.execute(s, repo, config)),
        ("build-info", lambda s: build_info.execute(s, repo, config)),
        # The embedded default: a local folder laid out like the Artifactory repository.
        ("publish", lambda s: publish.execute(s, target, repository=repository)),
        # Rejected (exit 1) stops the run here: a rejected candidate gets no rollout decision.
        ("gate", lambda s: gate.execute(s, repo, config, repository=repository)),
        ("notify", lambda s: notify.execute(s, repo, config)),
        # Step 2 is complete (seed 13) before Step 3 decides anything.
        ("checklist", lambda s: checklist.execute(s, repo, config, repository=repository)),
        # Policy from CIPIPE_POLICY or ./policies; the decision is attached to the candidate.
        ("decide-strategy", lambda s: decide_strategy.execute(s, repository=repository)),
    ]


def summary(outcomes: list[StepOutcome]) -> str:
    status = {0: "ok", 1: "failed"}
    width = max([len("step"), *(len(o.step) for o in outcomes)])
    lines = [f"{'step':<{width}} {'status':<8} {'seconds':>8}  note"]
    for o in outcomes:
        label = status.get(o.exit_code, f"error {o.exit_code}")
        lines.append(f"{o.step:<{width}} {label:<8} {o.seconds:>8.2f}  {o.message}".rstrip())
    return "\n".join(lines)


@click.command("run")
@repo_options
@click.option(
    "--repository",
    default="candidates",
    show_default=True,
    help="The artifact store's repository the candidate is published to and read from",
)
@click.pass_obj
def command(state: CliState, repo: Path, config_path: Path | None, repository: str) -> int:
    """Run the pipeline steps in order on REPO, stopping at the first failing step.

    \b
    Writes every step's files into the work folder and prints a summary table.
    """
    outcomes: list[StepOutcome] = []
    final = int(ExitCode.OK)
    error: CipipeError | None = None
    # One lock for the whole run: another cipipe cannot slip a step in between ours.
    with state.workdir.locked():
        for name, step in pipeline(repo, config_path, repository):
            log.info("== %s", name)
            start = time.monotonic()
            try:
                code = step(state)
            except CipipeError as exc:
                code, error = int(exc.exit_code), exc
            if error is not None:
                message = state.masker.mask(str(error))
            else:
                message = key_figure(state.workdir, name) if code == 0 else ""
            outcomes.append(StepOutcome(name, code, time.monotonic() - start, message))
            if code != 0:
                final = code
                break
    click.echo(summary(outcomes))
    click.echo(f"outputs: {state.workdir.path.resolve()}")
    if error is not None:
        raise error  # the CLI prints it as the one-line error and maps its exit code
    return final
