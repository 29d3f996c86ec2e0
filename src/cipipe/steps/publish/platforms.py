"""What publish refuses before its first request: a build with a planned platform that did
not build, unless the policy made it optional, and a build the gate already rejected.

The planned platforms and which are optional come from build-info.json (which took them from
matrix.json and .cipipe.yaml); each platform's outcome from artifacts.json when it has a record
(a rebuild since build-info ran is fresher), else from build-info.json.
"""

from __future__ import annotations

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.errors import RefusedError
from cipipe.steps.gate.build_outcome import not_built, split_optional
from cipipe.steps.publish.completion import marker_path

MISSING_PROPERTY = "cipipe.missing_platforms"
REJECTED = "rejected"


def missing_optional(info: BuildInfo, artifacts: Artifacts | None) -> list[str]:
    """The optional platforms published without; RefusedError (exit 1) naming every other
    platform that did not build."""
    recorded: dict[str, tuple[str, str, str | None]] = {
        p.platform: (p.platform, p.build, None) for p in info.platforms
    }
    for p in artifacts.platforms if artifacts else []:
        recorded[p.platform] = (p.platform, p.status, p.reason)
    planned = [p.platform for p in info.platforms]
    blocking, allowed = split_optional(
        not_built(planned, recorded.values()), {p.platform for p in info.platforms if p.optional}
    )
    if blocking:
        shown = ", ".join(f"{m.platform} ({m.status})" for m in blocking)
        raise RefusedError(
            f"{info.service} build {info.build_id} is not published: {shown} did not build "
            "(only platforms in build.optional_platforms may be left out)"
        )
    return [m.platform for m in allowed]


def refuse_rejected(store: ArtifactStore, info: BuildInfo) -> None:
    """A build the gate rejected (state=rejected on its build-info.json in the store) never
    becomes a candidate again: RefusedError before anything is uploaded or marked."""
    stored = store.stat(marker_path(info.service, info.build_id))
    if stored is not None and REJECTED in stored.properties.get("state", ()):
        raise RefusedError(
            f"{info.service} build {info.build_id} in {store.location} was rejected by the gate "
            "(state=rejected): it is not published again; build a new commit or build id"
        )
