"""cipipe policy: work with the deploy-strategy policy bundle."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.cli.commands import policy_diff
from cipipe.cli.options import policy_fetch_options
from cipipe.errors import ExitCode

command = click.Group(
    "policy",
    help="Check, serve, copy out and compare the versioned deploy-strategy policy bundle.",
)
command.add_command(policy_diff.command)


@command.command("check")
@click.argument("source", required=False)
@policy_fetch_options
def check(source: str | None, policy_pin: str | None, policy_deadline: float | None) -> int:
    """Validate the policy bundle in SOURCE (a folder or a policy server URL; default:
    $CIPIPE_POLICY, else ./policies, else the bundle built into cipipe) and print its
    version id.

    Exit 0 when all four files are valid (and, with a pin, pinned); otherwise exit 2 naming
    the file and the key. A URL is fetched through the cache ($CIPIPE_CACHE_DIR, TTL
    $CIPIPE_POLICY_TTL seconds); a server that cannot be read is exit 3.
    """
    from cipipe.cli.inputs import policy_bundle
    from cipipe.urls import strip_credentials

    bundle, spec = policy_bundle(source, pin=policy_pin, deadline=policy_deadline)
    click.echo(f"{strip_credentials(spec)}: valid, version {bundle.version_id}")
    return int(ExitCode.OK)


@command.command("init")
@click.argument("folder", type=click.Path(path_type=Path), default="policies")
@click.option("--force", is_flag=True, help="Overwrite the bundle's files in a non-empty FOLDER.")
def init(folder: Path, force: bool) -> int:
    """Copy the policy bundle built into cipipe (the seed's defaults) into FOLDER (default:
    policies) for the team to own, review and change; cipipe then uses that folder.

    A FOLDER that already holds files is refused (exit 2) unless --force.
    """
    from cipipe.risk.policy.builtin import init_bundle
    from cipipe.risk.policy.bundle import load_policy_bundle

    written = init_bundle(folder, force=force)
    version = load_policy_bundle(folder, in_git=False).version_id
    click.echo(f"{folder}: {len(written)} files of the built-in policy, version {version}")
    return int(ExitCode.OK)


@command.command("serve")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    help="The bundle to serve  [default: ./policies, else the bundle built into cipipe]",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
def serve(folder: Path | None, host: str, port: int, allow_remote: bool) -> int:
    """Serve the bundle in --dir over HTTP (GET /policy) until Ctrl-C.

    The folder is re-validated when a file changes; an invalid edit keeps the last good
    bundle served.
    """
    from cipipe.risk.local_http import check_bind_host
    from cipipe.risk.policy.service import serve_policy

    check_bind_host(host, allow_remote=allow_remote, serves="the policy")
    if folder is None:
        folder = _served_folder()
    server = serve_policy(folder, host, port)
    try:
        version = server.source.current().version_id
        click.echo(f"serving {folder} at {server.url}, version {version}")
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
    return int(ExitCode.OK)


def _served_folder() -> Path:
    """./policies, else the built-in bundle's folder (one log line says so)."""
    import logging

    from cipipe.cli.inputs import DEFAULT_POLICY_FOLDER
    from cipipe.risk.policy.builtin import builtin_folder

    if Path(DEFAULT_POLICY_FOLDER).is_dir():
        return Path(DEFAULT_POLICY_FOLDER)
    logging.getLogger("cipipe.policy").info(
        "no --dir and no ./policies: serving the policy built into cipipe"
    )
    return builtin_folder()
