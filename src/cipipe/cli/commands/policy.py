"""cipipe policy: work with the deploy-strategy policy bundle."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.errors import ExitCode

command = click.Group("policy", help="Check the versioned deploy-strategy policy bundle.")


@command.command("check")
@click.argument("folder", default="policies", type=click.Path(path_type=Path))
def check(folder: Path) -> int:
    """Validate the policy bundle in FOLDER (default: policies) and print its version id.

    Exit 0 when all four files are valid; otherwise exit 2 naming the file and the key.
    """
    from cipipe.risk.policy import load_policy_bundle

    bundle = load_policy_bundle(folder)
    click.echo(f"{folder}: valid, version {bundle.version_id}")
    return int(ExitCode.OK)
