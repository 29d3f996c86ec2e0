"""cipipe notify: the build message, and the build's entry in the history store."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import CipipeError, ExitCode, OutsideSystemError

log = logging.getLogger("cipipe.notify")

RESULT_OF_VERDICT = {"passed": "success", "needs-attention": "unstable", "rejected": "failure"}


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    channel: str | None = None,
    strict: bool = False,
    db: str | None = None,
) -> int:
    from cipipe.adapters.notifications.factory import open_notifier
    from cipipe.cli.commands import history
    from cipipe.cli.inputs import build_label
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.contracts.gate import GateReport
    from cipipe.contracts.publish import PublishReport
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.contracts.risk_decision import RiskDecision
    from cipipe.contracts.source import Source
    from cipipe.contracts.testing import TestsReport
    from cipipe.steps.notify import BuildReports, notify

    work = state.workdir
    config = load_repo_config(config_path(repo, config_file))
    source = work.read(Source, produced_by="precheck")

    gate = work.read_optional(GateReport)
    reports = BuildReports(
        service=config.service,
        build_id=build_label(state, None, source),
        commit=source.commit,
        branch=source.branch,
        gate=gate,
        tests=work.read_optional(TestsReport),
        published=work.read_optional(PublishReport),
        decision=work.read_optional(RiskDecision),
        artifacts=work.read_optional(Artifacts),
    )
    notifier = open_notifier(os.environ, work.path, channel or config.notify.channel)
    with work.locked():
        delivery = notify(work.path, reports, notifier, os.environ)
    recorded = True
    if work.exists(BuildInfo):
        # The dashboard's entry (seed 10.2); a history store outage is not the build's fault.
        try:
            history.record(state, RESULT_OF_VERDICT[gate.verdict] if gate else None, db)
        except CipipeError as exc:
            recorded = False
            log.warning("the build was not recorded in the history store: %s", exc)
    else:
        log.warning("build-info.json not found: the build is not recorded for the dashboard")
    if delivery.ok:
        log.info("notified %s (%s)", delivery.target, delivery.detail or delivery.kind)
    if strict and not (delivery.ok and recorded):
        raise OutsideSystemError(
            f"notification to {delivery.target} failed: {delivery.error}"
            if not delivery.ok
            else "the build was not recorded in the history store"
        )
    return int(ExitCode.OK)


@click.command("notify")
@repo_options
@click.option(
    "--channel", help="Slack channel  [default: .cipipe.yaml notify.channel, SLACK_CHANNEL]"
)
@click.option("--strict", is_flag=True, help="Exit 3 when the message or the record failed")
@click.option("--db", help="History store: a SQLite path or a URL  [env: CIPIPE_DB]")
@click.pass_obj
def command(state: CliState, /, repo: Path, config_path: Path | None, **options: Any) -> int:
    """Send the build message: verdict, links, tests per platform, risk decision, next steps.

    \b
    Reads:  gate.json, tests.json, publish.json, risk-decision.json, source.json (whatever
            exists), BUILD_URL; SLACK_BOT_TOKEN + channel, or SLACK_WEBHOOK_URL
    Writes: the Slack message (threaded per build), else notification.json/.md; with Slack,
            a record of the delivery in notification.json; the build in the history store
    A failure to notify never fails the build (exit 0) unless --strict.
    """
    return execute(state, repo, config_path, **options)
