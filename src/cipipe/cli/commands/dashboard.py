"""cipipe dashboard (seed 10.2): write a static HTML site of recent builds and decisions."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP, identifier, policy_fetch_options
from cipipe.errors import ExitCode

DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"


@click.command("dashboard")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site to (index.html, builds/...)",
)
@click.option("--db", help=DB_HELP)
@click.option(
    "--service", callback=identifier("name"), help="Only this service  [default: every service]"
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Builds shown per service, newest first",
)
@click.option("--policy", help=POLICY_HELP + "; its thresholds judge shadow-mode readiness")
@policy_fetch_options
@click.pass_obj
def command(
    state: CliState,
    out: Path,
    db: str | None,
    service: str | None,
    limit: int,
    policy: str | None,
    policy_pin: str | None,
    policy_deadline: float | None,
) -> int:
    """Write a static HTML dashboard (no scripts, charts as inline SVG, printable) of recent
    builds, risk decisions, module failure rates and shadow-mode agreement. Changes nothing
    in the store."""
    from datetime import UTC, datetime

    from cipipe.cli.inputs import history_store, policy_bundle
    from cipipe.risk.shadow.report import EnforcementRules
    from cipipe.steps.dashboard import build_dashboard

    # With no policy anywhere the built-in bundle's thresholds judge shadow-mode readiness.
    bundle, _ = policy_bundle(policy, pin=policy_pin, deadline=policy_deadline)
    rules = EnforcementRules.from_policy(bundle)
    store = history_store(state, db)
    try:
        written = build_dashboard(
            store, out, service=service, limit=limit, now=datetime.now(UTC), rules=rules
        )
    finally:
        store.close()
    pages = sum(p.suffix == ".html" for p in written)
    click.echo(f"dashboard: {pages} page{'' if pages == 1 else 's'} in {out / 'index.html'}")
    return int(ExitCode.OK)
