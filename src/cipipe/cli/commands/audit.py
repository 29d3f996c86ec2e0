"""cipipe audit: check and read the hash-chained, signed logs of risk decisions, outcomes and
model approvals in the history store, against their anchors in the artifact store."""

from __future__ import annotations

import json

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import identifier, store_options
from cipipe.errors import ExitCode

DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"

command = click.Group(
    "audit", help="Verify or show the audit logs of risk decisions, outcomes and model approvals."
)


@command.command("verify")
@click.option("--db", help=DB_HELP)
@store_options("the anchors")
@click.option(
    "--anchors/--no-anchors",
    default=True,
    show_default=True,
    help="Compare the chains with the anchors found in the artifact store",
)
@click.option(
    "--require-signed",
    is_flag=True,
    help="The key must be set and every chain with records signed (records from before "
    "signing began are covered by the first signed one); unsigned anchors are not used  "
    "[env: CIPIPE_AUDIT_REQUIRE_SIGNATURE=1]",
)
@click.pass_obj
def verify_command(
    state: CliState,
    db: str | None,
    target: str | None,
    via: str,
    repository: str,
    anchors: bool,
    require_signed: bool,
) -> int:
    """Check that no decision, outcome or model approval was changed, removed, reordered or
    forged since it was written: the hash chains, their signatures (CIPIPE_AUDIT_KEY), and
    the anchors in the artifact store. Names the first missing or forged record (exit 1)."""
    import os

    from cipipe.adapters.history.signing import (
        ENV_REQUIRE,
        require_checking_keys,
        signature_required,
    )
    from cipipe.cli.inputs import artifact_store, audit_keys, history_store
    from cipipe.steps.audit.verify import report_lines, verify_audit

    require = require_signed or signature_required(os.environ)
    if require:
        why = "--require-signed" if require_signed else f"{ENV_REQUIRE}=1"
        require_checking_keys(audit_keys(), why)
    store = history_store(state, db)
    try:
        artifacts = artifact_store(state, target, via, repository) if anchors else None
        result = verify_audit(store, artifacts, require_signed=require)
    finally:
        store.close()
    for line in report_lines(result):
        click.echo(line)
    return int(ExitCode.OK if result.intact else ExitCode.REJECTED)


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
    from cipipe.cli.inputs import history_store

    store = history_store(state, db)
    try:
        found = store.decisions(service, build_id=build_id)
    finally:
        store.close()
    for stored in found:
        click.echo(json.dumps(stored.as_json(), sort_keys=True, separators=(",", ":")))
    return int(ExitCode.OK)
