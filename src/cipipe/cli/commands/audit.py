"""cipipe audit: check and read the hash-chained log of risk decisions in the history store."""

from __future__ import annotations

import json

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode

DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"

command = click.Group("audit", help="Verify or show the audit log of risk decisions.")


@command.command("verify")
@click.option("--db", help=DB_HELP)
@click.pass_obj
def verify_command(state: CliState, db: str | None) -> int:
    """Check that no decision was changed, removed or reordered since it was written."""
    from cipipe.adapters.history.audit import decision_count, verify_chain
    from cipipe.cli.inputs import history_store

    store = history_store(state, db)
    try:
        problem = verify_chain(store)
        count = decision_count(store) if problem is None else 0
    finally:
        store.close()
    if problem is not None:
        click.echo(f"chain broken at {problem} [{problem.kind}]")
        return int(ExitCode.REJECTED)
    click.echo(f"chain intact: {count} decision{'' if count == 1 else 's'}")
    return int(ExitCode.OK)


@command.command("show")
@click.option("--build", "build_id", required=True, help="The build whose decisions to show")
@click.option("--service", help="Only this service's decisions  [default: every service]")
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
