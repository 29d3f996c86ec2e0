"""cipipe outcome sync: outcomes read from the systems that know them (issue 19).

One source per run: a Rollout or Canary document (``kubectl get ... -o json``, a file or
``-``), a Jenkins rollback / hotfix job, or the ``release.outcome`` property in the artifact
store. What is recorded, already known, pending, unmatched, late and in conflict is printed
and written to outcome-sync.json in the work folder.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP, policy_fetch_options, store_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.contracts.outcome_sync import OutcomeSync, Windows
    from cipipe.steps.outcome_sync.signals import Signal

# A cluster's whole List of Rollouts is a few MB; far more is not a kubectl answer.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
SOURCE_CHOICES = ("argo-rollouts", "flagger", "jenkins", "artifactory")


def read_document(given: str) -> Any:
    """The JSON document at ``given`` ('-': standard input); bad JSON is exit 2 naming it."""
    shown = "<stdin>" if given == "-" else given
    try:
        if given == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            with Path(given).open("rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), file=shown, expected="a readable file") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError("too large", file=shown, expected=f"at most {MAX_DOCUMENT_BYTES} bytes")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON: {exc}", file=shown, expected="kubectl ... -o json") from None


@click.command("sync")
@click.option("--from", "source", required=True, type=click.Choice(SOURCE_CHOICES))
@click.argument("document", required=False)
@click.option("--db", help="History store: a SQLite path or a URL  [env: CIPIPE_DB]")
@click.option("--policy", help=POLICY_HELP + "; its labels: windows X and Y")
@policy_fetch_options
@click.option("--url", "jenkins_url", help="Jenkins base URL (--from jenkins)  [env: JENKINS_URL]")
@click.option("--job", help="The rollback or hotfix job, folders as a/b (--from jenkins)")
@click.option(
    "--kind",
    type=click.Choice(["rollback", "hotfix"]),
    default="rollback",
    show_default=True,
    help="What a successful run of --job means for the build it names",
)
@click.option("--build-param", default="BUILD_ID", show_default=True, help="Names the build")
@click.option("--service-param", default="SERVICE", show_default=True, help="Names the service")
@click.option("--service", help="The service when a run has no --service-param")
@store_options("the candidates and their release.outcome property (--from artifactory)")
@click.option("--now", "now_text", hidden=True, help="The time to judge windows at (tests)")
@click.pass_obj
def command(state: CliState, /, source: str, document: str | None, **opts: Any) -> int:
    """Record outcomes from the systems that know them, labelled by the policy's windows:
    a Rollout (kubectl get rollout -o json, or a List) that is Degraded, aborted or whose
    analysis run failed is a rollback; one Healthy for the policy's stable_for is ok; a Flagger
    Canary Failed is a rollback, Succeeded (for stable_for) ok; a successful run of a Jenkins
    rollback / hotfix job labels the build its parameters name; the release.outcome property
    labels the candidate it is set on. A re-sync records nothing twice; a disagreeing later
    signal is recorded beside the earlier one. Writes outcome-sync.json."""
    from cipipe.cli.commands.outcome import parse_time
    from cipipe.cli.inputs import history_store, policy_bundle
    from cipipe.steps.outcome_sync.sync import sync

    if source in ("argo-rollouts", "flagger") and not document:
        raise InputError("missing", field="DOCUMENT", expected=f"a file or - with --from {source}")
    if source == "jenkins" and not opts["job"]:
        raise InputError("missing", field="--job", expected="the rollback or hotfix job")
    now = parse_time(opts["now_text"]) if opts["now_text"] else datetime.now(UTC)
    bundle, _ = policy_bundle(
        opts["policy"], pin=opts["policy_pin"], deadline=opts["policy_deadline"]
    )
    signals, read_from = _signals(state, source, document, opts)
    store = history_store(state, opts["db"], appends=True)
    try:
        report = sync(
            signals,
            store,
            source=source,  # type: ignore[arg-type]  # click.Choice checked it
            read_from=read_from,
            windows=_windows(bundle.thresholds.labels),
            policy_version=bundle.version_id,
            now=now,
        )
    finally:
        store.close()
    written = state.workdir.write(report)
    click.echo(summary(report, written))
    return int(ExitCode.OK)


def _windows(labels: Any) -> Windows:
    from cipipe.contracts.outcome_sync import Windows

    return Windows(
        rollback_within=labels.rollback_within,
        stable_for=labels.stable_for,
        unsignalled_is_ok=labels.unsignalled_is_ok,
    )


def _signals(
    state: CliState, source: str, document: str | None, opts: dict[str, Any]
) -> tuple[list[Signal], str]:
    """The source's signals, all read before the store is opened, and what was read."""
    import os

    if source in ("argo-rollouts", "flagger"):
        from cipipe.steps.outcome_sync.kubernetes import read_signals

        assert document is not None
        shown = "<stdin>" if document == "-" else document
        return read_signals(read_document(document), source, shown), shown
    if source == "jenkins":
        from cipipe.adapters.jenkins import JenkinsClient
        from cipipe.steps.outcome_sync.sources import JobParameters, jenkins_signals
        from cipipe.urls import strip_credentials

        url = opts["jenkins_url"] or os.environ.get("JENKINS_URL")
        if not url:
            raise InputError(
                "missing", field="--url", expected="the Jenkins base URL or JENKINS_URL"
            )
        names = JobParameters(opts["build_param"], opts["service_param"], opts["service"])
        runs = JenkinsClient.from_env(url).runs(opts["job"])
        signals = jenkins_signals(runs, opts["job"], opts["kind"], names)
        return signals, f"{strip_credentials(url.rstrip('/'))}/job/{opts['job']}"
    from cipipe.cli.inputs import artifact_store
    from cipipe.steps.outcome_sync.sources import artifactory_signals

    store = artifact_store(state, opts["target"], opts["via"], opts["repository"])
    return artifactory_signals(store), store.location


def summary(report: OutcomeSync, written: Path) -> str:
    """What was done, one line per outcome, then the counts and the file."""
    lines = []
    for title, entries in (
        ("recorded", report.recorded),
        ("already known", report.known),
        ("pending", report.pending),
        ("unmatched", report.unmatched),
        ("late (not a label)", report.late),
        ("conflict", report.conflicts),
    ):
        for e in entries:
            build = f"{e.service} {e.build_id}" if e.build_id else "-"
            why = f" ({e.reason})" if e.reason else ""
            earlier = f" (earlier: {', '.join(e.earlier)})" if e.earlier else ""
            lines.append(f"{title}: {e.subject} -> {build}: {e.result or '-'}{why}{earlier}")
    counts = (
        f"{len(report.recorded)} recorded, {len(report.known)} already known, "
        f"{len(report.pending)} pending, {len(report.unmatched)} unmatched, "
        f"{len(report.late)} late, {len(report.conflicts)} in conflict"
    )
    return "\n".join([*lines, f"outcome sync from {report.source}: {counts}; wrote {written}"])
