"""cipipe model serve: the approved model scores over HTTP (risk/model/serve.py)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP, policy_fetch_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.risk.model.serve import ModelServer

log = logging.getLogger("cipipe.model.serve")

DEFAULT_PORT = 8766


@contextmanager
def stopped_by_signals(server: ModelServer) -> Iterator[list[str]]:
    """SIGTERM (Jenkins, Kubernetes) and SIGINT (Ctrl-C) stop ``serve_forever`` cleanly: the
    listening socket closes and the requests in flight finish. ``shutdown`` waits for the
    serving loop, so it runs in its own thread, not in the handler that interrupted that loop.
    Yields the names of the signals received."""
    received: list[str] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        threading.Thread(target=server.shutdown, name="cipipe-model-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command("serve")
@click.option(
    "--registry",
    type=click.Path(path_type=Path, file_okay=False),
    help="The model registry folder  [env: CIPIPE_MODEL_REGISTRY; default: models/ beside the "
    "work folder]",
)
@click.option("--policy", help=POLICY_HELP)
@policy_fetch_options
@click.option(
    "--db",
    help="History store holding the model approvals log and the recorded builds a --from-db "
    "model's features come from: SQLite path or URL  [env: CIPIPE_DB]",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port (the address is printed)",
)
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
@click.pass_obj
def command(
    state: CliState, registry: Path | None, policy: str | None, policy_pin: str | None,
    policy_deadline: float | None, db: str | None, host: str, port: int, allow_remote: bool,
) -> int:  # fmt: skip
    """Serve the approved model over HTTP until SIGTERM or Ctrl-C: POST /v1/score (a
    risk-inputs-for-decision document), GET /v1/model, GET /healthz.

    The model is the one the policy references, approved in the registry and in the history
    store's model approvals log, exactly as decide-strategy chooses its local model; the
    answer carries the score, the model's version and approval, and its explanation.
    """
    from cipipe.extras import require_extra

    require_extra("model", command="cipipe model serve")
    from cipipe.risk.local_http import check_bind_host

    check_bind_host(host, allow_remote=allow_remote, serves="the model")
    from cipipe.adapters.history.signing import signature_required
    from cipipe.cli.inputs import history_store, model_registry, policy_bundle
    from cipipe.risk.model.decision_score import ModelChoice, load_referenced
    from cipipe.risk.model.serve import ModelSource, describe, serve_model
    from cipipe.steps.decide_strategy.store_row import recorded_row

    bundle, spec = policy_bundle(policy, pin=policy_pin, deadline=policy_deadline)
    if bundle.weights.model.version is None:
        raise InputError(
            "the policy references no model, so there is nothing to serve",
            file=spec,
            field="risk-weights.yaml: model.version",
            expected="the version of an approved model",
        )
    folder = model_registry(state, registry)
    store = history_store(state, db)
    required = signature_required(os.environ)

    def choose() -> ModelChoice:
        choice = load_referenced(bundle, folder, store, require_signed=required)
        assert choice is not None  # the policy references a model (checked above)
        return choice

    try:
        source = ModelSource(folder, choose)
        # A build's store-derived features come from its record in the store (the service has
        # no build-info.json): the same row decide-strategy derives for a recorded build.
        server = serve_model(source, bundle, host, port, recorded_row(store))
        try:
            first = source.current()
            if first.model is None:
                log.warning("%s; /v1/score answers 503 until it can", describe(first))
            click.echo(f"serving model {first.version} at {server.url} (policy {spec})")
            with stopped_by_signals(server) as received:
                server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
    finally:
        store.close()
    click.echo(f"stopped ({', '.join(received) or 'shut down'})")
    return int(ExitCode.OK)
