"""cipipe outcome: what happened after a build shipped; the label the risk model learns.

Outcomes are chained and signed in the history store like the decisions; when the build is
in the artifact store, the audit log's heads are anchored beside it too
(``audit-anchor-outcome.json``). The next decision of any build anchors them as well.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path as config_file
from cipipe.cli.options import identifier, repo_options, store_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.adapters.artifact_store.interface import ArtifactStore
    from cipipe.adapters.history.interface import OutcomeResult
    from cipipe.contracts.audit_anchor import AuditAnchor

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
@store_options("the build, where the audit anchor goes")
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
    target: str | None,
    via: str,
    repository: str,
) -> int:
    """Record the outcome of a released build (seed E: the label of the history), chained and
    signed in the history store, and anchored beside the build in the artifact store."""
    from cipipe.cli.inputs import artifact_store, history_store
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.audit.anchor import seal

    config = load_repo_config(config_file(repo, config_path))
    store = history_store(state, db, appends=True)
    try:
        appended = store.record_outcome(
            config.service,
            build_id,
            cast("OutcomeResult", result),  # click.Choice already checked it
            parse_time(at),
            note,
            recorded_by=os.environ.get("BUILD_USER_ID") or os.environ.get("USER"),
        )
        anchor = seal(store, "outcome", config.service, build_id, datetime.now(UTC), appended)
    finally:
        store.close()
    log.info("build %s of %s: %s", build_id, config.service, result)
    artifacts = artifact_store(
        state, target, via, repository, build_name=config.service, build_number=build_id
    )
    _anchor(artifacts, anchor)
    return int(ExitCode.OK)


def _anchor(store: ArtifactStore, anchor: AuditAnchor) -> None:
    """Upload the anchor when the build is in the store. A store failure says that the outcome
    stands (recording it again would add a second one)."""
    from cipipe.errors import OutsideSystemError
    from cipipe.steps.audit.anchor import published_in, upload

    where = f"build {anchor.build_id} of {anchor.service}"
    try:
        if not published_in(store, anchor.service, anchor.build_id):
            log.info(
                "%s is not in %s: the outcome is chained in the history store; the next "
                "decision anchors it",
                where,
                store.location,
            )
            return
        path = upload(store, anchor)
    except OutsideSystemError as exc:
        raise OutsideSystemError(
            f"the outcome of {where} is recorded (do not record it again), but its audit "
            f"anchor was not uploaded: {exc}; the next decision anchors it"
        ) from None
    log.info("audit anchor of %s uploaded to %s", where, path)


def _add_sync() -> None:
    # Imported here, after the group exists: outcome_sync imports parse_time from this module.
    from cipipe.cli.commands import outcome_sync

    command.add_command(outcome_sync.command)


_add_sync()
