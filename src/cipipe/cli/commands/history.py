"""cipipe history: the store of past builds that failure rates and the risk model learn from."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from cipipe.cli.app import CliState, refused
from cipipe.cli.options import POLICY_HELP, repo_options
from cipipe.cli.options import config_path as config_file
from cipipe.errors import ExitCode, InputError, RefusedError

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
    """Record builds in the history store, backfill it from Jenkins, or seed a synthetic one."""


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


def history_end(until: str | None) -> datetime:
    """--until as an aware time (a naive one is UTC), else now."""
    if until is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        raise InputError(
            f"got {until!r}", field="--until", expected="an ISO 8601 date or time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@command.command("seed")
@click.option(
    "--synthetic", is_flag=True, help="Required: say that made-up history is what you want"
)
@click.option(
    "--builds",
    type=click.IntRange(30, 5000),
    default=300,
    show_default=True,
    help="Builds across the three services",
)
@click.option("--seed", type=int, default=19, show_default=True, help="Random seed")
@click.option("--until", help="The history ends at this time (ISO 8601, UTC)  [default: now]")
@click.option("--policy", help=POLICY_HELP + "; it makes the shadow decisions")
@click.option("--force", is_flag=True, help="Seed even a store that holds real builds")
@click.option("--db", help=DB_HELP)
@click.pass_obj
def seed_command(
    state: CliState,
    synthetic: bool,
    builds: int,
    seed: int,
    until: str | None,
    policy: str | None,
    force: bool,
    db: str | None,
) -> int:
    """Fill a history store of its own with a labelled synthetic history for a demo.

    Builds of three services on three platforms over four months, recorded as
    source=synthetic, each with its risk inputs, a shadow decision by the policy and its
    outcome (rollback, slo-breach, hotfix or ok): bigger, wider, bug-fixing changes by less
    experienced authors fail more often. The same --seed and --until give the same store.
    A store holding real builds is refused (exit 1) unless --force; one seeded already is
    left as it is.
    """
    from cipipe.cli.inputs import history_store, policy_bundle
    from cipipe.steps.history_seed.seed import check_store, seed_history

    if not synthetic:
        raise InputError(
            "only synthetic history can be seeded", field="--synthetic", expected="the flag"
        )
    end = history_end(until)
    bundle, source = policy_bundle(policy)
    store = history_store(state, db, appends=True)
    try:
        seeded = check_store(store, force=force)
    except RefusedError as exc:
        return refused(state, exc)
    finally:
        store.close()
    if seeded:
        click.echo(f"{store.url} holds synthetic history already: nothing added")
        return int(ExitCode.OK)
    # A store of its own is written without syncing every commit (it is made again from the
    # seed in seconds); a real one mixed in with --force keeps its durability.
    store = history_store(state, db, appends=True, durable=force)
    try:
        summary = seed_history(
            store, bundle, seed=seed, count=builds, now=end, policy_source=source, force=force
        )
    finally:
        store.close()
    click.echo(
        f"seeded {summary.builds} synthetic builds into {store.url}: "
        f"{summary.failed} failed, {summary.pending} pending, "
        f"{summary.decisions} shadow decisions, {summary.outcomes} outcomes"
    )
    return int(ExitCode.OK)
