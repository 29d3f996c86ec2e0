"""Build outcomes of planned platforms, as the build gate and the gate command read them."""

from __future__ import annotations

from cipipe.contracts.artifacts import Artifacts, PlatformBuild, Reproducibility
from cipipe.contracts.matrix import Matrix
from tests.steps.gate.tables import matrix as planning

COMMIT = "b" * 40

PLANNED = ("linux", "arm", "windows")

FAILED = "`cmake --build build/windows` exited 2 (see the build log)"


def matrix(*platforms: str, commit: str = COMMIT) -> Matrix:
    """matrix.json planning ``platforms`` (default: linux, arm and windows)."""
    return planning(*(platforms or PLANNED), commit=commit)


def outcomes(*records: PlatformBuild, commit: str = COMMIT) -> Artifacts:
    return Artifacts(
        service="svc",
        commit=commit,
        build_id="7",
        build_id_source="flag",
        platforms=list(records),
        artifacts=[],
        reproducibility=Reproducibility(checked=False, required=False),
    )


def built(name: str) -> PlatformBuild:
    return PlatformBuild(platform=name, status="built")


WINDOWS_FAILED = PlatformBuild(platform="windows", status="failed", reason=FAILED)
