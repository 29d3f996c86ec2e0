"""cipipe outcome: what happened after a build shipped; the label the risk model learns."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path as config_file
from cipipe.cli.options import identifier, repo_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import OutcomeResult

log = logging.getLogger("cipipe.outcome")


def parse_time(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"got {text!r}", field="--at", expected="an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group("outcome")
def command() -> None:
    """Label released builds."""


@command.command("record")
@repo_options
@click.option(
    "--build", "build_id", required=True, callback=identifier("build id"), help="The build id"
)
@click.option(
    "--result", required=True, type=click.Choice(["ok", "rollback", "slo-breach", "hotfix"])
)
@click.option("--at", "at", help="When it happened (ISO 8601)  [default: now]")
@click.option("--note", help="What happened, for the audit")
@click.option("--db", help="History store: a SQLite path or a URL  [env: CIPIPE_DB]")
@click.pass_obj
def record_command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    build_id: str,
    result: str,
    at: str | None,
    note: str | None,
    db: str | None,
) -> int:
    """Record the outcome of a released build (seed E: the label of the history)."""
    from cipipe.cli.inputs import history_store
    from cipipe.contracts.repo_config import load_repo_config

    config = load_repo_config(config_file(repo, config_path))
    store = history_store(state, db)
    try:
        store.record_outcome(
            config.service,
            build_id,
            cast("OutcomeResult", result),  # click.Choice already checked it
            parse_time(at),
            note,
            recorded_by=os.environ.get("BUILD_USER_ID") or os.environ.get("USER"),
        )
    finally:
        store.close()
    log.info("build %s of %s: %s", build_id, config.service, result)
    return int(ExitCode.OK)
