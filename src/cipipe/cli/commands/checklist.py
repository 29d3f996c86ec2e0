"""cipipe checklist: the Step-2 deliverables, ticked or crossed, before Step 3 runs."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.cli.app import CliState, refused
from cipipe.cli.options import config_path, repo_options, store_options
from cipipe.errors import ExitCode, RefusedError


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    target: str | None = None,
    via: str = "rest",
    repository: str = "candidates",
) -> int:
    from cipipe.cli.inputs import candidate_store
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.checklist import run_checklist

    work = state.workdir
    config = load_repo_config(config_path(repo, config_file))

    open_store = candidate_store(state, target, via, repository)

    items = run_checklist(work, config, open_store)
    for item in items:
        mark = "✓" if item.ok else ("✗" if item.mandatory else "!")
        note = "" if item.mandatory else " (advisory)"
        click.echo(f"{mark} {item.name}{note}: {item.detail}")
    failed = [i.name for i in items if i.mandatory and not i.ok]
    if failed:
        click.echo(f"not ready for Step 3: {', '.join(failed)}")
        return int(ExitCode.REJECTED)
    click.echo("ready for Step 3")
    return int(ExitCode.OK)


@click.command("checklist")
@repo_options
@store_options("the candidate")
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    target: str | None,
    via: str,
    repository: str,
) -> int:
    """Verify the Step-2 deliverables before Step 3 (seed 12, 13): artifacts with checksums in
    the candidate namespace, build-info and risk inputs attached, SBOM and scan, test reports
    and coverage delta, the bundle manifest when there is one, the gate verdict, the
    notification. A tick or a cross with the reason for each; exit 1 when a mandatory item
    is missing."""
    try:
        return execute(state, repo, config_path, target, via, repository)
    except RefusedError as exc:
        return refused(state, exc)
