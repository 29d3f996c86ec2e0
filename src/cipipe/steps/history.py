"""Backfill the history store from Jenkins, so failure rates mean something from day one.

Without it the store knows only the builds cipipe ran itself; a job's Jenkins history already
says which modules each build touched (its change sets) and how the build ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from cipipe.adapters.history.interface import BuildRecord, BuildResult, HistoryStore
from cipipe.adapters.jenkins import JenkinsBuild

log = logging.getLogger("cipipe.history")

ModuleOf = Callable[[str], str | None]


class JenkinsHistory(Protocol):
    """What the import needs of Jenkins (JenkinsClient, or a fake in a test)."""

    def builds(self, job: str) -> Iterable[JenkinsBuild]: ...


# NOT_BUILT (a stage skipped by a condition) says nothing about the code: like a build
# whose result nobody knows.
JENKINS_RESULTS: dict[str, BuildResult] = {
    "SUCCESS": "success",
    "FAILURE": "failure",
    "UNSTABLE": "unstable",
    "ABORTED": "aborted",
    "NOT_BUILT": "unknown",
}


def top_level_module(path: str) -> str | None:
    """``libs/net/socket.c`` -> ``libs``; a file at the repository root is in no module."""
    head, sep, _ = path.strip("/").partition("/")
    return head if sep and head else None


def modules_of(paths: Iterable[str], module_of: ModuleOf = top_level_module) -> tuple[str, ...]:
    return tuple(sorted({m for p in paths if (m := module_of(p))}))


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    running: int
    """Builds still running (no result yet): skipped, a later import records them."""


def build_record(
    build: JenkinsBuild, *, service: str, branch: str | None, module_of: ModuleOf
) -> BuildRecord:
    """The store's row for one finished Jenkins build.

    The change set's last item is the newest commit the build included: that commit and its
    author stand for the build (Jenkins lists a change set oldest first).
    """
    newest = build.changes[-1] if build.changes else None
    result = JENKINS_RESULTS.get(build.result or "", "unknown")
    return BuildRecord(
        service=service,
        build_id=str(build.number),
        started_at=build.started_at,
        result=result,
        source="jenkins",
        commit=newest.commit_id if newest else None,
        branch=branch,
        author=newest.author if newest else None,
        modules=modules_of((p for c in build.changes for p in c.paths), module_of),
    )


def import_jenkins(
    client: JenkinsHistory,
    store: HistoryStore,
    service: str,
    job: str,
    module_of: ModuleOf = top_level_module,
    *,
    branch: str | None = None,
) -> ImportSummary:
    """Record every finished build of ``job`` as a build of ``service``; rerunning is safe
    (builds are upserted by service and build number)."""
    imported = running = 0
    for build in client.builds(job):
        if build.result is None:
            running += 1
            continue
        store.record_build(build_record(build, service=service, branch=branch, module_of=module_of))
        imported += 1
    log.info(
        "job %r: %d builds imported into %s, %d still running", job, imported, store.url, running
    )
    return ImportSummary(imported=imported, running=running)
