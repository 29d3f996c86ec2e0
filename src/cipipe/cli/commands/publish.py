"""cipipe publish: candidates in the artifact store; writes publish.json."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.adapters.artifact_store.interface import UploadResult
    from cipipe.steps.publish import Planned

log = logging.getLogger("cipipe.publish")


def execute(
    state: CliState,
    target: str | None = None,
    via: str = "rest",
    repository: str = "candidates",
    threads: int = 4,
    dry_run: bool = False,
) -> int:
    from cipipe.cli.inputs import artifact_store
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.steps.publish import plan, publish, with_store_urls

    work = state.workdir
    info = work.read(BuildInfo, produced_by="build-info")
    artifacts = work.read_optional(Artifacts)
    items = plan(work.path, info, artifacts)
    target = target or os.environ.get("CIPIPE_ARTIFACTORY_URL")
    if dry_run:
        for item in items:
            click.echo(f"{item.file.path} -> {repository}/{item.path} ({item.file.size} bytes)")
        return int(ExitCode.OK)
    jfrog = _jfrog_build_info(work.file("build-info.jfrog.json"))
    store = artifact_store(
        state, target, via, repository, build_name=info.service, build_number=info.build_id
    )
    with progress_reporter(items) as on_upload:
        report = publish(
            store, items, info, threads=threads, jfrog_build_info=jfrog, on_upload=on_upload
        )
    with work.locked():
        work.write(report)
        work.write(with_store_urls(info, report))
    log.info(
        "published %d file(s) to %s as candidates: %d bytes sent, %d already stored",
        len(report.files),
        report.store,
        report.bytes_sent,
        report.files_skipped,
    )
    return int(ExitCode.OK)


def _jfrog_build_info(path: Path) -> dict[str, Any] | None:
    """build-info.jfrog.json when build-info wrote one, read before the store is opened."""
    from cipipe.contracts.loading import load_json
    from cipipe.errors import InputError

    if not os.path.lexists(path):
        return None
    document = load_json(path)
    if not isinstance(document, dict):
        raise InputError(
            f"top level is {type(document).__name__}", file=str(path), expected="a JSON object"
        )
    return document


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
            build.timestamp, vcs.revision, service, platform and state=candidate; publish.json
    Credentials only from the environment: CIPIPE_ARTIFACTORY_TOKEN (Bearer),
    CIPIPE_ARTIFACTORY_API_KEY, or CIPIPE_ARTIFACTORY_USER + CIPIPE_ARTIFACTORY_PASSWORD.
    Exit 3 when the store fails after retries; no file is then left a candidate.
    """
    return execute(state, target, via, repository, threads, dry_run)
