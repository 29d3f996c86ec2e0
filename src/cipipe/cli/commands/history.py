"""cipipe history: the store of past builds that failure rates and the risk model learn from."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path as config_file
from cipipe.cli.options import repo_options
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import BuildResult

log = logging.getLogger("cipipe.history")
RESULTS = ("success", "failure", "unstable", "aborted")
DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"


def derived_result(state: CliState) -> str:
    """A build that failed to build, failed a critical test or has a blocking finding failed."""
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.contracts.scan import ScanReport
    from cipipe.contracts.testing import TestsReport

    info = state.workdir.read(BuildInfo, produced_by="build-info")
    failed = any(p.build == "failed" for p in info.platforms)
    if state.workdir.exists(TestsReport):
        failed |= state.workdir.read(TestsReport).outcome == "failed"
    if state.workdir.exists(ScanReport):
        failed |= state.workdir.read(ScanReport).outcome == "failed"
    return "failure" if failed else "success"


def record(state: CliState, result: str | None, db: str | None) -> int:
    from cipipe.adapters.history.interface import BuildRecord
    from cipipe.cli.inputs import history_store
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.contracts.risk_inputs import RiskInputs

    info = state.workdir.read(BuildInfo, produced_by="build-info")
    risk = state.workdir.read(RiskInputs, produced_by="build-info")
    build = BuildRecord(
        service=info.service,
        build_id=info.build_id,
        started_at=info.created,
        result=cast("BuildResult", result or derived_result(state)),
        source="cipipe",
        commit=info.commit,
        branch=info.branch,
        author=info.author.email if info.author else None,
        modules=tuple(sorted({f.module for f in info.changes.files})),
        risk_inputs=risk.model_dump(mode="json", by_alias=True),
    )
    store = history_store(state, db)
    try:
        store.record_build(build)
    finally:
        store.close()
    log.info(
        "recorded build %s of %s (%s) in %s", build.build_id, build.service, build.result, store.url
    )
    return int(ExitCode.OK)


@click.group("history")
def command() -> None:
    """Record builds in the history store, or backfill it from Jenkins."""


@command.command("record")
@click.option(
    "--result",
    type=click.Choice(RESULTS),
    help="The build's result  [default: from artifacts, tests and scan]",
)
@click.option("--db", help=DB_HELP)
@click.pass_obj
def record_command(state: CliState, result: str | None, db: str | None) -> int:
    """Store the current build (build-info.json, risk-inputs.json) in the history store."""
    return record(state, result, db)


@command.command("import-jenkins")
@repo_options
@click.option("--url", required=True, help="Jenkins base URL")
@click.option("--job", required=True, help="Job name; folders as a/b")
@click.option("--branch", help="Branch these builds belong to")
@click.option("--db", help=DB_HELP)
@click.pass_obj
def import_command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    url: str,
    job: str,
    branch: str | None,
    db: str | None,
) -> int:
    """Backfill builds and results from the Jenkins JSON API.

    Credentials come from the environment only: JENKINS_TOKEN (Bearer), or JENKINS_USER and
    JENKINS_API_TOKEN.
    """
    from cipipe.adapters.jenkins import JenkinsClient
    from cipipe.cli.inputs import history_store
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.build_info.modules import module_mapper
    from cipipe.steps.history import import_jenkins

    config = load_repo_config(config_file(repo, config_path))
    store = history_store(state, db)
    try:
        summary = import_jenkins(
            JenkinsClient.from_env(url),
            store,
            config.service,
            job,
            module_mapper(config.history.modules),
            branch=branch,
        )
    finally:
        store.close()
    log.info(
        "imported %d build(s) of %s (%d still running)", summary.imported, job, summary.running
    )
    return int(ExitCode.OK)
