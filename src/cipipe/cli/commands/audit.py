"""cipipe audit: check and read the hash-chained logs of risk decisions and model approvals in
the history store."""

from __future__ import annotations

import json

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import identifier
from cipipe.errors import ExitCode

DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"

command = click.Group(
    "audit", help="Verify or show the audit logs of risk decisions and model approvals."
)


@command.command("verify")
@click.option("--db", help=DB_HELP)
@click.pass_obj
def verify_command(state: CliState, db: str | None) -> int:
    """Check that no decision and no model approval was changed, removed or reordered since it
    was written."""
    from cipipe.adapters.history.audit import ChainProblem, decision_count, verify_chain
    from cipipe.adapters.history.model_audit import (
        ModelChainProblem,
        model_event_count,
        verify_model_chain,
    )
    from cipipe.cli.inputs import history_store

    store = history_store(state, db)
    try:
        found: list[tuple[str, ChainProblem | ModelChainProblem | None]] = [
            ("decisions", verify_chain(store)),
            ("model approvals", verify_model_chain(store)),
        ]
        broken = [(name, problem) for name, problem in found if problem is not None]
        counts = (decision_count(store), model_event_count(store)) if not broken else (0, 0)
    finally:
        store.close()
    for name, problem in broken:
        click.echo(f"{name} chain broken at {problem} [{problem.kind}]")
    if broken:
        return int(ExitCode.REJECTED)
    click.echo(
        f"chain intact: {_count(counts[0], 'decision')}, {_count(counts[1], 'model approval')}"
    )
    return int(ExitCode.OK)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@command.command("show")
@click.option(
    "--build",
    "build_id",
    required=True,
    callback=identifier("build id"),
    help="The build whose decisions to show",
)
@click.option(
    "--service",
    callback=identifier("name"),
    help="Only this service's decisions  [default: every service]",
)
@click.option("--db", help=DB_HELP)
@click.pass_obj
def show_command(state: CliState, build_id: str, service: str | None, db: str | None) -> int:
    """Print the decisions made for one build, oldest first, as JSON lines."""
    from cipipe.adapters.history.audit import decisions
    from cipipe.cli.inputs import history_store

    store = history_store(state, db)
    try:
        found = decisions(store, service, build_id)
    finally:
        store.close()
    for stored in found:
        click.echo(json.dumps(stored.as_json(), sort_keys=True, separators=(",", ":")))
    return int(ExitCode.OK)
