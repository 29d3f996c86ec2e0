"""cipipe policy: work with the deploy-strategy policy bundle."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.cli.options import policy_fetch_options
from cipipe.errors import ExitCode

command = click.Group("policy", help="Check and serve the versioned deploy-strategy policy bundle.")


@command.command("check")
@click.argument("source", default="policies")
@policy_fetch_options
def check(source: str, policy_pin: str | None, policy_deadline: float | None) -> int:
    """Validate the policy bundle in SOURCE (a folder, default: policies, or a policy server
    URL) and print its version id.

    Exit 0 when all four files are valid (and, with a pin, pinned); otherwise exit 2 naming
    the file and the key. A URL is fetched through the cache ($CIPIPE_CACHE_DIR, TTL
    $CIPIPE_POLICY_TTL seconds); a server that cannot be read is exit 3.
    """
    from cipipe.cli.inputs import policy_bundle
    from cipipe.urls import strip_credentials

    bundle, _ = policy_bundle(source, pin=policy_pin, deadline=policy_deadline)
    click.echo(f"{strip_credentials(source)}: valid, version {bundle.version_id}")
    return int(ExitCode.OK)


@command.command("serve")
@click.option("--dir", "folder", default="policies", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
def serve(folder: Path, host: str, port: int, allow_remote: bool) -> int:
    """Serve the bundle in --dir over HTTP (GET /policy) until Ctrl-C.

    The folder is re-validated when a file changes; an invalid edit keeps the last good
    bundle served.
    """
    from cipipe.risk.policy_service import check_bind_host, serve_policy

    check_bind_host(host, allow_remote=allow_remote)
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
