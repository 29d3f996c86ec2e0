from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cipipe.contracts.artifacts import Artifact, Artifacts, Reproducibility
from cipipe.contracts.build_info import BuildInfo, ChangeMetrics, Changes, DiffRange
from cipipe.digests import digest_file
from cipipe.workdir import WorkDir

PLATFORMS = ("linux", "arm", "windows")


def make_workdir(work: Path, sizes: dict[str, int] | None = None) -> WorkDir:
    """A work folder as build and build-info leave it, with real artifact files."""
    workdir = WorkDir(work)
    artifacts = []
    for index, platform in enumerate(PLATFORMS):
        name = f"svc-{platform}-abc-7"
        path = work / "artifacts" / platform / name
        path.parent.mkdir(parents=True, exist_ok=True)
        size = (sizes or {}).get(platform, 20_000 + index)
        path.write_bytes(bytes((i * (index + 3)) % 251 for i in range(size)))
        d = digest_file(path)
        artifacts.append(
            Artifact(
                name=name,
                platform=platform,
                path=f"artifacts/{platform}/{name}",
                built_as=f"build/{platform}/app",
                size=d.size,
                sha256=d.sha256,
                sha1=d.sha1,
                md5=d.md5,
                mtime_ns=path.stat().st_mtime_ns,  # as `cipipe build` records it
            )
        )
    workdir.write(
        Artifacts(
            service="svc",
            commit="c" * 40,
            build_id="7",
            build_id_source="flag",
            platforms=[],
            artifacts=artifacts,
            reproducibility=Reproducibility(checked=False, required=False),
        )
    )
    metrics = ChangeMetrics(
        ns=1,
        nd=1,
        nf=1,
        entropy=0,
        la=1,
        ld=0,
        lt=1,
        fix=False,
        ndev=1,
        age=0,
        nuc=1,
        exp=1,
        rexp=1,
        sexp=1,
    )
    workdir.write(
        BuildInfo(
            service="svc",
            build_id="7",
            commit="c" * 40,
            repo_url=None,
            branch="main",
            author=None,
            pr_id=None,
            kind="service",
            criticality="normal",
            created=datetime(2026, 1, 2, 10, tzinfo=UTC),
            platforms=[],
            sbom=None,
            scan=None,
            dependencies_baseline=False,
            modules=[],
            missing=[],
            changes=Changes(
                range=DiffRange(base=None, commit="c" * 40, source="root"),
                files=[],
                files_changed=0,
                lines_added=0,
                lines_deleted=0,
                metrics=metrics,
            ),
        )
    )
    (work / "SHA256SUMS").write_text("".join(f"{a.sha256}  {a.path}\n" for a in artifacts))
    return workdir


@pytest.fixture
def workdir(tmp_path: Path) -> WorkDir:
    return make_workdir(tmp_path / "work")
