"""publish and the build's platforms: a failed, skipped or missing platform refuses the publish
(exit 1, nothing sent) unless it is optional; the optional ones missing are recorded on the
candidate; a build the gate rejected is never published again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.artifacts import Artifacts, PlatformBuild
from cipipe.contracts.build_info import BuildInfo, PlatformInfo
from cipipe.contracts.publish import PublishReport
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.support.artifactoryserver import FakeArtifactory, serve

Cli = Callable[..., CliResult]
TOKEN = "platforms-token-0123456789"
Status = Literal["built", "failed", "skipped", "missing"]
Outcomes = dict[str, tuple[Status, bool]]  # platform -> (build status, optional)


def with_outcomes(workdir: WorkDir, outcomes: Outcomes) -> None:
    """build-info.json and artifacts.json as build and build-info leave them for ``outcomes``:
    a platform that did not build has no artifact."""
    info = workdir.read(BuildInfo)
    workdir.write(
        info.model_copy(
            update={
                "platforms": [
                    PlatformInfo(platform=name, build=status, optional=optional)
                    for name, (status, optional) in outcomes.items()
                ]
            }
        )
    )
    artifacts = workdir.read(Artifacts)
    records = [
        PlatformBuild(platform=name, status=status, reason=f"{name} {status}")
        for name, (status, _) in outcomes.items()
        if status != "missing"
    ]
    built = {name for name, (status, _) in outcomes.items() if status == "built"}
    workdir.write(
        artifacts.model_copy(
            update={
                "platforms": records,
                "artifacts": [a for a in artifacts.artifacts if a.platform in built],
            }
        )
    )


def stored_files(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


@pytest.mark.parametrize(
    ("outcomes", "named"),
    [
        ({"linux": ("built", False), "windows": ("failed", False)}, "windows (failed)"),
        ({"linux": ("built", False), "arm": ("skipped", False)}, "arm (skipped)"),
        ({"linux": ("built", False), "arm": ("missing", False)}, "arm (missing)"),
        (
            {"linux": ("built", False), "arm": ("missing", True), "windows": ("failed", False)},
            "windows (failed) did not build",
        ),
    ],
    ids=["failed", "skipped", "missing", "failed beside an optional one"],
)
def test_a_platform_that_did_not_build_refuses_the_publish(
    cli: Cli, workdir: WorkDir, tmp_path: Path, outcomes: Outcomes, named: str
) -> None:
    with_outcomes(workdir, outcomes)
    store = tmp_path / "store"
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{store}")
    assert result.exit_code == 1, result.stderr
    assert named in result.stderr and "svc build 7 is not published" in result.stderr
    assert "arm (missing)" not in result.stderr or outcomes["arm"] == ("missing", False)
    assert len([line for line in result.stderr.splitlines() if "ERROR" in line]) <= 1
    assert stored_files(store) == [] and not (workdir.path / "publish.json").exists()
    dry = cli("--workdir", workdir.path, "publish", "--dry-run")
    assert dry.exit_code == 1 and dry.stdout == ""


def test_optional_platforms_missing_are_recorded_on_the_candidate(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    with_outcomes(
        workdir,
        {"linux": ("built", False), "arm": ("skipped", True), "windows": ("failed", True)},
    )
    store = tmp_path / "store"
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{store}")
    assert result.exit_code == 0, result.stderr
    assert "published without the optional platform(s) arm, windows" in result.stderr
    report = workdir.read(PublishReport)
    assert report.missing_platforms == ["arm", "windows"]
    assert {f.platform for f in report.files} == {"linux", None}
    marker = LocalFolderStore(store).stat("svc/7/build-info.json")
    assert marker is not None
    assert marker.properties["cipipe.missing_platforms"] == ("arm,windows",)
    linux = LocalFolderStore(store).stat("svc/7/linux/svc-linux-abc-7")
    assert linux is not None and "cipipe.missing_platforms" not in linux.properties


def test_every_platform_built_records_none(cli: Cli, workdir: WorkDir, tmp_path: Path) -> None:
    with_outcomes(workdir, {"linux": ("built", False), "arm": ("built", True)})
    store = tmp_path / "store"
    assert cli("--workdir", workdir.path, "publish", "--target", f"file://{store}").exit_code == 0
    assert workdir.read(PublishReport).missing_platforms == []
    marker = LocalFolderStore(store).stat("svc/7/build-info.json")
    assert marker is not None and "cipipe.missing_platforms" not in marker.properties


@pytest.fixture
def artifactory(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def test_the_missing_platforms_property_is_one_escaped_value_in_artifactory(
    cli: Cli, workdir: WorkDir, artifactory: FakeArtifactory
) -> None:
    with_outcomes(
        workdir,
        {"linux": ("built", False), "arm": ("missing", True), "windows": ("skipped", True)},
    )
    result = cli("--workdir", workdir.path, "publish", "--target", artifactory.url)
    assert result.exit_code == 0, result.stderr
    marker = artifactory.items[("candidates", "svc/7/build-info.json")]
    # The comma is escaped on the way: Artifactory keeps one value, not two.
    assert marker.properties["cipipe.missing_platforms"] == ["arm,windows"]


def test_a_rejected_build_is_not_published_again(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    target = f"file://{store_dir}"
    assert cli("--workdir", workdir.path, "publish", "--target", target).exit_code == 0
    store = LocalFolderStore(store_dir)
    published = workdir.read(PublishReport)
    for file in published.files:  # what the gate's feedback does on a rejection
        store.set_properties(file.path, {"state": "rejected"})
    before = {p: p.read_bytes() for p in stored_files(store_dir)}
    report_before = (workdir.path / "publish.json").read_bytes()
    again = cli("--workdir", workdir.path, "publish", "--target", target)
    assert again.exit_code == 1
    assert "svc build 7" in again.stderr and "was rejected by the gate" in again.stderr
    assert {p: p.read_bytes() for p in stored_files(store_dir)} == before
    assert (workdir.path / "publish.json").read_bytes() == report_before
    states = {json.dumps(store.stat(f.path).properties.get("state")) for f in published.files}  # type: ignore[union-attr]
    assert states == {'["rejected"]'}
