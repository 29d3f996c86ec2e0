"""cipipe publish (seed 8): candidates in the artifact store, all or nothing.

Files go up with ``state=uploading``; only when every file of every platform is uploaded and
its stored sha256 equals the local one does each get ``state=candidate``. A failure half way
leaves no candidate, and a rerun completes the job without re-sending what the store has.
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
from cipipe.digests import digest_file
from cipipe.errors import InputError

log = logging.getLogger("cipipe.publish")

# Attached to the build next to the platforms' artifacts, when the work folder has them.
ATTACHMENTS = (
    "build-info.json",
    "risk-inputs.json",
    "sbom.json",
    "deps_changed.json",
    "scan.json",
    "tests.json",
    "SHA256SUMS",
)


@dataclass(frozen=True)
class Planned:
    file: LocalFile
    path: str
    platform: str | None


def _local(workdir: Path, relative: str) -> LocalFile:
    path = (workdir / relative).resolve()
    if not path.is_relative_to(workdir.resolve()):
        raise InputError(
            f"{relative!r} is outside the work folder",
            file="artifacts.json",
            expected="artifacts under the work folder",
        )
    if not path.is_file():
        raise InputError(
            "file not found",
            file=str(workdir / relative),
            expected="the artifact `cipipe build` wrote",
        )
    digests = digest_file(path)
    return LocalFile(path, digests.size, digests.sha256, digests.sha1, digests.md5)


def plan(workdir: Path, info: BuildInfo, artifacts: Artifacts | None) -> list[Planned]:
    base = join_path(info.service, info.build_id)
    planned = [
        Planned(_local(workdir, a.path), join_path(base, a.platform, a.name), a.platform)
        for a in (artifacts.artifacts if artifacts else [])
    ]
    reports = (
        sorted((workdir / "reports").glob("junit-*.xml")) if (workdir / "reports").is_dir() else []
    )
    names = [n for n in ATTACHMENTS if (workdir / n).is_file()]
    names += [f"reports/{p.name}" for p in reports]
    planned += [
        Planned(_local(workdir, name), join_path(base, name.replace("/", "-")), None)
        for name in names
    ]
    return planned


def properties(info: BuildInfo, platform: str | None, state: str) -> dict[str, str]:
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


def _unmark(store: ArtifactStore, marked: Sequence[Planned], info: BuildInfo) -> None:
    """Best effort: a build is a candidate whole or not at all, so take back what was marked."""
    for item in marked:
        try:
            store.set_properties(item.path, properties(info, item.platform, "uploading"))
        except StoreError as exc:
            log.error("%s stays marked candidate: %s (rerun the publish)", item.path, exc)


def publish(
    store: ArtifactStore,
    items: Sequence[Planned],
    info: BuildInfo,
    *,
    threads: int = 4,
    jfrog_build_info: Mapping[str, Any] | None = None,
    on_upload: Callable[[Planned, UploadResult], None] | None = None,
) -> PublishReport:
    def upload(item: Planned) -> UploadResult:
        result = store.upload(item.file, item.path, properties(info, item.platform, "uploading"))
        if on_upload is not None:
            on_upload(item, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        results = list(pool.map(upload, items))
    for item in items:
        _verify(store, item)
    # Only now, with every file in place and verified, do they become candidates.
    marked: list[Planned] = []
    try:
        for item in items:
            store.set_properties(item.path, properties(info, item.platform, "candidate"))
            marked.append(item)
    except StoreError:
        _unmark(store, marked, info)
        raise
    if jfrog_build_info is not None:
        store.publish_build_info(jfrog_build_info)
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
        bytes_sent=sum(f.bytes_sent for f in files),
        files_skipped=sum(1 for f in files if f.skipped_by_checksum),
    )
