"""cipipe publish: candidates in the artifact store; writes publish.json."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import click

from cipipe.cli.app import CliState, refused
from cipipe.errors import ExitCode, RefusedError

if TYPE_CHECKING:
    from cipipe.adapters.artifact_store.interface import UploadResult
    from cipipe.contracts.publish import PublishReport
    from cipipe.steps.publish.inputs import PublishInputs
    from cipipe.steps.publish.upload import Planned
    from cipipe.workdir import WorkDir

log = logging.getLogger("cipipe.publish")


def deployed_build_info(
    work: WorkDir, inputs: PublishInputs, repository: str
) -> dict[str, Any] | None:
    """The JFrog build-info as it will be deployed, with the repository on every artifact;
    None when build-info wrote none."""
    from cipipe.steps.publish.inputs import JFROG_FILE
    from cipipe.steps.publish.jfrog_build_info import as_deployed

    if inputs.jfrog_build_info is None:
        return None
    return as_deployed(inputs.jfrog_build_info, repository, file=str(work.file(JFROG_FILE)))


def show_plan(work: WorkDir, inputs: PublishInputs, repository: str) -> int:
    """A dry run: each file and where it would go, and nothing written or sent."""
    from cipipe.steps.publish.upload import plan

    for item in plan(work.path, inputs.info, inputs.artifacts, stage=False):
        click.echo(f"{item.file.path} -> {repository}/{item.path} ({item.file.size} bytes)")
    return int(ExitCode.OK)


def execute(
    state: CliState,
    target: str | None = None,
    via: str = "rest",
    repository: str = "candidates",
    threads: int = 4,
    dry_run: bool = False,
) -> int:
    """Inputs checked first (exit 2, no request made), then the whole publish under the work
    folder's lock, publish.json written last (see cipipe.steps.publish.upload for the order)."""
    from cipipe.cli.inputs import artifact_store
    from cipipe.cli.interrupts import sigterm_unwinds
    from cipipe.steps.publish.inputs import JFROG_FILE, read_inputs
    from cipipe.steps.publish.platforms import missing_optional
    from cipipe.steps.publish.upload import plan, publish, with_store_urls

    work = state.workdir
    inputs = read_inputs(work)
    info = inputs.info
    deployed = deployed_build_info(work, inputs, repository)
    missing = missing_optional(info, inputs.artifacts)  # exit 1 when one is not optional
    if missing:
        log.warning("published without the optional platform(s) %s: not built", ", ".join(missing))
    target = target or os.environ.get("CIPIPE_ARTIFACTORY_URL")
    if dry_run:
        return show_plan(work, inputs, repository)
    with sigterm_unwinds(), work.locked():
        # Digests under the lock: no other cipipe rewrites the artifacts while they go up.
        items = plan(work.path, info, inputs.artifacts)
        store = artifact_store(
            state, target, via, repository, build_name=info.service, build_number=info.build_id
        )
        with progress_reporter(items) as on_upload:
            report = publish(
                store,
                items,
                info,
                threads=threads,
                jfrog_build_info=deployed,
                on_upload=on_upload,
                missing_platforms=missing,
            )
        work.write(report)
        work.write(with_store_urls(info, report))
        if deployed is not None:
            # What was sent: the repository recorded on every artifact.
            work.write_text(JFROG_FILE, json.dumps(deployed, indent=2) + "\n")
    log_published(report)
    return int(ExitCode.OK)


def log_published(report: PublishReport) -> None:
    log.info(
        "published %d file(s) to %s as candidates: %d bytes sent, %d already stored",
        len(report.files),
        report.store,
        report.bytes_sent,
        report.files_skipped,
    )


@contextlib.contextmanager
def progress_reporter(items: Sequence[Planned]) -> Iterator[Callable[..., None]]:
    """A progress bar of bytes and files on a terminal; one plain line per file otherwise."""
    total = sum(item.file.size for item in items)
    lock = threading.Lock()
    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("JENKINS_URL"):
        done = [0]

        def line(item: Planned, result: UploadResult) -> None:
            with lock:
                done[0] += 1
                sent = (
                    "already stored"
                    if result.skipped_by_checksum
                    else (f"{result.bytes_sent} bytes sent")
                )
                log.info("[%d/%d] %s: %s", done[0], len(items), item.path, sent)

        yield line
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), transient=True
    ) as bar:
        task = bar.add_task(f"0/{len(items)} files", total=total)
        count = [0]

        def advance(item: Planned, result: UploadResult) -> None:
            with lock:
                count[0] += 1
                bar.update(
                    task, advance=item.file.size, description=f"{count[0]}/{len(items)} files"
                )

        yield advance


@click.command("publish")
@click.option(
    "--target",
    help="https://HOST/artifactory or file:///PATH  [env: "
    "CIPIPE_ARTIFACTORY_URL; default: the local folder beside the work folder]",
)
@click.option(
    "--via",
    type=click.Choice(["rest", "jf"]),
    default="rest",
    show_default=True,
    help="Talk to Artifactory over REST, or through the jf CLI",
)
@click.option("--repository", default="candidates", show_default=True)
@click.option("--threads", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the plan; contact no store")
@click.pass_obj
def command(
    state: CliState, target: str | None, via: str, repository: str, threads: int, dry_run: bool
) -> int:
    """Publish the build's artifacts and reports as candidates (seed 8).

    \b
    Reads:  build-info.json, artifacts.json and the artifacts, the reports to attach
    Writes: <repository>/<service>/<buildId>/<platform>/<name> with build.name, build.number,
            build.timestamp, vcs.revision, service, platform and state=candidate; publish.json;
            build-info.json with each artifact's URL; build-info.jfrog.json as sent (each
            artifact's originalDeploymentRepo: the repository)
    Refused (exit 1, nothing sent) when a planned platform failed, was skipped or is missing,
    unless .cipipe.yaml lists it in build.optional_platforms (then the others are published and
    the missing ones recorded: publish.json and cipipe.missing_platforms on build-info.json),
    and when the gate rejected this build (state=rejected in the store).
    Credentials only from the environment: CIPIPE_ARTIFACTORY_TOKEN (Bearer),
    CIPIPE_ARTIFACTORY_API_KEY, or CIPIPE_ARTIFACTORY_USER + CIPIPE_ARTIFACTORY_PASSWORD.
    Every input is checked before the store is contacted (exit 2), and the work folder stays
    locked to the end. The build becomes a candidate in the last request, which writes the
    completion marker that bundle, checklist and decide-strategy require. Exit 3 when the store
    fails after retries; SIGTERM exits 143, SIGINT 130; in every case without the marker, and
    a rerun finishes the job without re-sending what the store has.
    """
    try:
        return execute(state, target, via, repository, threads, dry_run)
    except RefusedError as exc:
        return refused(state, exc)
