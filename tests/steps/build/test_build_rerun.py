"""`cipipe build --platform X` merges into the work folder's artifacts.json and SHA256SUMS: a
real two-platform build of a tiny C++ program with g++, then one platform rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cipipe.contracts.artifacts import Artifact, Artifacts, PlatformBuild, Reproducibility
from cipipe.steps.build import BuildOutputs
from cipipe.steps.build.rerun import checksums_of, merged_into
from tests.conftest import CliResult, requires
from tests.steps.build.rerun import MAIN, built_once, outcome
from tests.steps.buildflow import GXX
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]


def sums(work: Path) -> dict[str, str]:
    """SHA256SUMS as path -> sha256."""
    lines = (work / "SHA256SUMS").read_text().splitlines()
    return {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}


@requires(GXX is not None, "g++ is not installed")
def test_rebuilding_one_platform_keeps_the_other(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = built_once(make_repo, tmp_path, "--jobs", "1")
    first = outcome(work)
    assert [p.status for p in first.platforms] == ["built", "built"]
    before = sums(work)
    assert len(before) == 2

    (repo / "main.cpp").write_text(MAIN % "two")  # linux's rebuild gives other bytes
    result = cli("--workdir", work, "build", "--repo", repo, "--platform", "linux")
    assert result.exit_code == 0, result.stderr
    again = outcome(work)
    assert again.build_id == "7"  # no id given: the work folder's build is rebuilt
    assert [p.platform for p in again.platforms] == ["linux", "lite"]
    assert [a.platform for a in again.artifacts] == ["linux", "lite"]
    [old_linux, old_lite] = first.artifacts
    [new_linux, new_lite] = again.artifacts
    assert new_lite == old_lite and again.platforms[1] == first.platforms[1]
    assert new_linux.name == old_linux.name and new_linux.sha256 != old_linux.sha256
    after = sums(work)
    assert after == {new_linux.path: new_linux.sha256, new_lite.path: before[new_lite.path]}
    assert (work / "SHA256SUMS").read_text() == checksums_of(again)


@requires(GXX is not None, "g++ is not installed")
def test_a_failed_rebuild_replaces_the_platform_and_its_artifacts(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = built_once(make_repo, tmp_path)
    lite = outcome(work).artifacts[1]
    (repo / "build.sh").write_text("exit 2\n")
    result = cli("--workdir", work, "build", "--repo", repo, "--platform", "linux")
    assert result.exit_code == 1
    again = outcome(work)
    assert [(p.platform, p.status) for p in again.platforms] == [
        ("linux", "failed"),
        ("lite", "built"),
    ]
    assert "exited 2" in (again.platforms[0].reason or "")
    assert again.artifacts == [lite]
    assert sums(work) == {lite.path: lite.sha256}


@requires(GXX is not None, "g++ is not installed")
def test_another_builds_files_are_replaced_with_a_line_in_the_log(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = built_once(make_repo, tmp_path)
    result = cli(
        "--workdir", work, "build", "--repo", repo, "--platform", "lite", "--build-id", "8"
    )
    assert result.exit_code == 0, result.stderr
    assert "artifacts.json of tiny commit cccccccccccc build 7 replaced by build 8" in result.stderr
    again = outcome(work)
    assert (again.build_id, [p.platform for p in again.platforms]) == ("8", ["lite"])
    assert list(sums(work)) == [again.artifacts[0].path]


def artifact(platform: str, sha: str) -> Artifact:
    name = f"svc-{platform}-ccc-7"
    return Artifact(
        name=name,
        platform=platform,
        path=f"artifacts/{platform}/{name}",
        built_as=f"build/{platform}/app",
        size=1,
        sha256=sha * 64,
        sha1=sha * 40,
        md5=sha * 32,
    )


def built(*platforms: str, sha: str, checked: bool, differing: tuple[str, ...]) -> Artifacts:
    return Artifacts(
        service="svc",
        commit="c" * 40,
        build_id="7",
        build_id_source="flag",
        platforms=[PlatformBuild(platform=p, status="built") for p in platforms],
        artifacts=[artifact(p, sha) for p in platforms],
        reproducibility=Reproducibility(checked=checked, required=True, differing=list(differing)),
    )


def test_reproducibility_is_merged_per_platform() -> None:
    earlier = built(
        "linux", "arm", sha="a", checked=True, differing=("svc-linux-ccc-7", "svc-arm-ccc-7")
    )
    rerun = built("linux", sha="b", checked=True, differing=())
    merged = merged_into(earlier, BuildOutputs(rerun, checksums_of(rerun))).artifacts
    # linux was rebuilt bit for bit: only arm's finding stays.
    assert merged.reproducibility.differing == ["svc-arm-ccc-7"]
    assert merged.reproducibility.checked
    assert [a.sha256[0] for a in merged.artifacts] == ["b", "a"]
    unchecked = built("linux", sha="b", checked=False, differing=())
    merged = merged_into(earlier, BuildOutputs(unchecked, checksums_of(unchecked))).artifacts
    assert not merged.reproducibility.checked  # linux's rebuild was not checked
    assert merged.reproducibility.differing == ["svc-arm-ccc-7"]
