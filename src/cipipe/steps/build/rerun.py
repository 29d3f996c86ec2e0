"""`cipipe build --platform X` in a work folder that already holds the build's other platforms.

A per-platform rerun must not lose the other platforms' results: its artifacts.json and
SHA256SUMS are merged into the work folder's (X's record, artifacts, checksum lines and
reproducibility findings replaced, the rest kept), the way `cipipe collect` merges agents'
parts. A file of another build (service, commit or build id) is replaced, and the log says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from cipipe.contracts.artifacts import Artifacts
from cipipe.digests import sha256sums_line
from cipipe.steps.build import BuildOutputs
from cipipe.steps.build.naming import BuildId
from cipipe.steps.collect import merge_artifacts

log = logging.getLogger("cipipe.build")


def checksums_of(artifacts: Artifacts) -> str:
    return "".join(sha256sums_line(a.sha256, a.path) for a in artifacts.artifacts)


def same_build(a: Artifacts, b: Artifacts) -> bool:
    return (a.service, a.commit, a.build_id) == (b.service, b.commit, b.build_id)


def reused_build_id(
    previous: Artifacts | None,
    platforms: Sequence[str],
    *,
    service: str,
    commit: str,
    flag: str | None,
    env: Mapping[str, str],
) -> BuildId | None:
    """The build id of the work folder's artifacts.json, for a per-platform rerun of the same
    commit given no id (no --build-id, no BUILD_NUMBER): a fresh counter would make it a
    build of its own, merged with nothing."""
    if not platforms or flag or env.get("BUILD_NUMBER") or previous is None:
        return None
    if (previous.service, previous.commit) != (service, commit):
        return None
    log.info("rebuilding %s of build %s", ", ".join(platforms), previous.build_id)
    return BuildId(previous.build_id, previous.build_id_source)


def merged_into(previous: Artifacts | None, outputs: BuildOutputs) -> BuildOutputs:
    """What the work folder should hold after this build: ``outputs`` merged into
    ``previous`` (the work folder's artifacts.json) when both are of one build."""
    built = outputs.artifacts
    if previous is None:
        return outputs
    if not same_build(previous, built):
        log.info(
            "artifacts.json of %s commit %s build %s replaced by build %s of commit %s "
            "(another build: nothing merged)",
            previous.service,
            previous.commit[:12],
            previous.build_id,
            built.build_id,
            built.commit[:12],
        )
        return outputs
    merged = merge_artifacts([("artifacts.json", previous), ("this build", built)])
    kept = [p.platform for p in merged.platforms if p.platform not in _platforms(built)]
    if kept:
        log.info("artifacts.json: kept %s from the earlier build", ", ".join(kept))
    return BuildOutputs(merged, checksums_of(merged))


def _platforms(artifacts: Artifacts) -> set[str]:
    return {p.platform for p in artifacts.platforms}
