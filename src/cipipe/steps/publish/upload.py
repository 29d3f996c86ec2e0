"""cipipe publish (seed 8), the upload: candidates in the artifact store, all or nothing.

A publish can be stopped at any point (a store error, SIGTERM, SIGKILL), so it is ordered so that
every check that can fail comes before the first file is marked, and the one request that makes
the build a candidate comes last:

1. read and check every input (``inputs.read_inputs``: build-info.json, artifacts.json, the
   service name and build id, build-info.jfrog.json), then ``plan``: each file's digests,
   artifacts.json's own for an artifact that is still the file built, and a refusal (exit 1)
   for one whose bytes changed since (``digests``). A bad
   input is exit 2 before the store is contacted; a planned platform that did not build and is
   not optional is exit 1 (``platforms``), and so is a build whose build-info.json the store
   holds as ``state=rejected`` (the gate rejected it: the first request only reads). (The CLI
   does this, taking the work folder's lock before ``plan`` and holding it to the end, so that
   no other cipipe rewrites the files while they go up.)
2. upload every file with ``state=uploading`` and ``cipipe.fileset=<D>``, D the digest of the
   build's file set (``completion``), known before the first byte goes;
3. verify every stored sha256 against the local one (a store or proxy that kept other bytes
   fails the publish here, whatever the store adapter itself checked);
4. publish the JFrog build info;
5. mark: ``state=candidate`` on every file, build-info.json last, and in that same last request
   the completion marker ``cipipe.complete=<D>``;
6. write publish.json (the CLI).

A failure in 2-4 leaves no file a candidate; a failure or interruption in 5 leaves some files
``state=candidate`` but no marker, which every reader (``completion.require_complete``) refuses
(a failed marking is also taken back, best effort). A rerun finishes the job: the store's
checksum deploy sends no byte it already has, and the marker is again written last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cipipe.adapters.artifact_store.interface import (
    ArtifactStore,
    LocalFile,
    StoreError,
    UploadResult,
    join_path,
)
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.publish import PublishedFile, PublishReport
from cipipe.errors import InputError
from cipipe.steps.publish.checksums import CHECKSUMS, stage_candidate_checksums
from cipipe.steps.publish.completion import (
    COMPLETE_PROPERTY,
    FILESET_PROPERTY,
    MARKER_NAME,
    UPLOADING,
    fileset_digest,
    marker_path,
)
from cipipe.steps.publish.digests import artifact_file, hashed_file
from cipipe.steps.publish.platforms import MISSING_PROPERTY, refuse_rejected

log = logging.getLogger("cipipe.publish")

# Attached to the build next to the platforms' artifacts, when the work folder has them.
ATTACHMENTS = (
    "build-info.json",
    "risk-inputs.json",
    "sbom.json",
    "deps_changed.json",
    "scan.json",
    "tests.json",
)


@dataclass(frozen=True)
class Planned:
    file: LocalFile
    path: str
    platform: str | None


def plan(
    workdir: Path, info: BuildInfo, artifacts: Artifacts | None, *, stage: bool = True
) -> list[Planned]:
    """Every file to publish and where it goes; ``stage=False`` (a dry run) writes nothing,
    not even the candidate's SHA256SUMS (``stage_candidate_checksums``)."""
    base = join_path(info.service, info.build_id)
    planned = [
        Planned(artifact_file(workdir, a), join_path(base, a.platform, a.name), a.platform)
        for a in (artifacts.artifacts if artifacts else [])
    ]
    reports = (
        sorted((workdir / "reports").glob("junit-*.xml")) if (workdir / "reports").is_dir() else []
    )
    names = [n for n in ATTACHMENTS if (workdir / n).is_file()]
    names += [f"reports/{p.name}" for p in reports]
    planned += [
        Planned(hashed_file(workdir, name), join_path(base, name.replace("/", "-")), None)
        for name in names
    ]
    if artifacts and artifacts.artifacts and (workdir / CHECKSUMS).is_file():
        checksums = stage_candidate_checksums(workdir, artifacts.artifacts, write=stage)
        planned.append(Planned(checksums, join_path(base, CHECKSUMS), None))
    return planned


def properties(
    info: BuildInfo, platform: str | None, state: str, fileset: str | None = None
) -> dict[str, str]:
    props = {
        "build.name": info.service,
        "build.number": info.build_id,
        "build.timestamp": str(int(info.created.timestamp() * 1000)),
        "vcs.revision": info.commit,
        "service": info.service,
        "state": state,
    }
    if info.branch:
        props["vcs.branch"] = info.branch
    if platform:
        props["platform"] = platform
    if fileset:
        props[FILESET_PROPERTY] = fileset
    return props


def _verify(store: ArtifactStore, item: Planned) -> None:
    stored = store.stat(item.path)
    if stored is None or stored.sha256 != item.file.sha256:
        found = stored.sha256 if stored else "nothing"
        raise StoreError(
            f"{store.location}: {item.path} holds {found}, expected sha256 {item.file.sha256}"
        )


def with_store_urls(info: BuildInfo, report: PublishReport) -> BuildInfo:
    """build-info.json, now saying where each artifact went."""
    urls = {(f.platform, f.path.rsplit("/", 1)[-1]): f.url for f in report.files if f.platform}
    platforms = [
        p.model_copy(
            update={
                "artifacts": [
                    a.model_copy(update={"url": urls.get((p.platform, a.name), a.url)})
                    for a in p.artifacts
                ]
            }
        )
        for p in info.platforms
    ]
    return info.model_copy(update={"platforms": platforms})


def _unmark(store: ArtifactStore, marked: Sequence[Planned], info: BuildInfo, fileset: str) -> None:
    """Best effort: readers refuse a build without its marker anyway, but a person browsing the
    store should not see half a build as candidates either."""
    for item in marked:
        try:
            store.set_properties(item.path, properties(info, item.platform, UPLOADING, fileset))
        except StoreError as exc:
            log.error("%s stays marked candidate: %s (rerun the publish)", item.path, exc)


def _marker_carrier(items: Sequence[Planned], info: BuildInfo) -> Planned:
    path = marker_path(info.service, info.build_id)
    for item in items:
        if item.path == path:
            return item
    raise InputError(
        f"{MARKER_NAME} is not among the files to publish",
        file=MARKER_NAME,
        expected="the build-info.json `cipipe build-info` wrote: it carries the completion marker",
    )


def _upload_all(
    store: ArtifactStore,
    items: Sequence[Planned],
    properties_of: Callable[[Planned], dict[str, str]],
    threads: int,
    on_upload: Callable[[Planned, UploadResult], None] | None,
) -> list[UploadResult]:
    def upload(item: Planned) -> UploadResult:
        result = store.upload(item.file, item.path, properties_of(item))
        if on_upload is not None:
            on_upload(item, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        # When a result raises (a failed upload, or SIGTERM/SIGINT while waiting), map cancels
        # the uploads not started yet: only those in flight finish, each bounded by the
        # store's timeouts.
        return list(pool.map(upload, items))


def _mark(
    store: ArtifactStore,
    items: Sequence[Planned],
    carrier: Planned,
    info: BuildInfo,
    fileset: str,
    missing_platforms: Sequence[str] = (),
) -> None:
    """state=candidate on every file, then on the marker carrier with the completion marker
    (and the optional platforms published without): the last request of the publish."""
    marked: list[Planned] = []
    try:
        for item in items:
            if item is not carrier:
                store.set_properties(
                    item.path, properties(info, item.platform, "candidate", fileset)
                )
                marked.append(item)
        complete = {**properties(info, None, "candidate", fileset), COMPLETE_PROPERTY: fileset}
        if missing_platforms:
            complete[MISSING_PROPERTY] = ",".join(missing_platforms)
        store.set_properties(carrier.path, complete)
    except StoreError:
        _unmark(store, marked, info, fileset)
        raise


def publish(
    store: ArtifactStore,
    items: Sequence[Planned],
    info: BuildInfo,
    *,
    threads: int = 4,
    jfrog_build_info: Mapping[str, Any] | None = None,
    on_upload: Callable[[Planned, UploadResult], None] | None = None,
    missing_platforms: Sequence[str] = (),
) -> PublishReport:
    """Phases 2-5 of the module docstring; returns what publish.json records.
    ``missing_platforms``: the optional platforms that did not build (``platforms``)."""
    carrier = _marker_carrier(items, info)  # refused before the first request
    refuse_rejected(store, info)  # the first request only reads
    fileset = fileset_digest((item.path, item.file.sha256) for item in items)

    def uploading(item: Planned) -> dict[str, str]:
        return properties(info, item.platform, UPLOADING, fileset)

    results = _upload_all(store, items, uploading, threads, on_upload)
    for item in items:
        _verify(store, item)
    if jfrog_build_info is not None:
        store.publish_build_info(jfrog_build_info)
    _mark(store, items, carrier, info, fileset, missing_platforms)
    files = [
        PublishedFile(
            path=item.path,
            url=result.url,
            platform=item.platform,
            sha256=item.file.sha256,
            size=item.file.size,
            bytes_sent=result.bytes_sent,
            skipped_by_checksum=result.skipped_by_checksum,
            attempts=result.attempts,
        )
        for item, result in zip(items, results, strict=True)
    ]
    return PublishReport(
        store=store.location,
        service=info.service,
        build_id=info.build_id,
        state="candidate",
        files=files,
        missing_platforms=list(missing_platforms),
        bytes_sent=sum(f.bytes_sent for f in files),
        files_skipped=sum(1 for f in files if f.skipped_by_checksum),
    )
