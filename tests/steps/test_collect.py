"""cipipe collect: per-platform work folders (as Jenkins agents leave them) merged into one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.contracts.artifacts import Artifact, Artifacts, PlatformBuild, Reproducibility
from cipipe.contracts.loading import read_contract
from cipipe.contracts.testing import PlatformTests, TestCounts, TestsReport
from cipipe.digests import digest_file
from cipipe.workdir import WorkDir
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
COMMIT = "c" * 40


def part(folder: Path, platform: str, *, commit: str = COMMIT, failing: bool = False) -> Path:
    """A work folder as `cipipe build --platform P` and `cipipe test --platform P` leave it."""
    work = WorkDir(folder)
    name = f"svc-{platform}-ccc-7"
    path = folder / "artifacts" / platform / name
    path.parent.mkdir(parents=True)
    path.write_bytes(platform.encode() * 1000)
    (folder / "logs").mkdir()
    (folder / "logs" / f"build-{platform}.log").write_text(f"built {platform}\n")
    (folder / "reports").mkdir()
    (folder / "reports" / f"junit-{platform}.xml").write_text("<testsuites/>\n")
    d = digest_file(path)
    work.write(
        Artifacts(
            service="svc",
            commit=commit,
            build_id="7",
            build_id_source="jenkins",
            platforms=[PlatformBuild(platform=platform, status="built")],
            artifacts=[
                Artifact(
                    name=name,
                    platform=platform,
                    path=f"artifacts/{platform}/{name}",
                    built_as=f"build/{platform}/svc",
                    size=d.size,
                    sha256=d.sha256,
                    sha1=d.sha1,
                    md5=d.md5,
                    mtime_ns=path.stat().st_mtime_ns,  # as `cipipe build` records it
                )
            ],
            reproducibility=Reproducibility(checked=True, required=True),
        )
    )
    work.write(
        TestsReport(
            commit=commit,
            platforms=[
                PlatformTests(
                    platform=platform,
                    runner="native",
                    status="ran",
                    counts=TestCounts(total=2, passed=1 if failing else 2, failed=int(failing)),
                    junit=f"reports/junit-{platform}.xml",
                )
            ],
            critical_failures=[f"{platform}: Suite.test"] if failing else [],
            outcome="failed" if failing else "passed",
        )
    )
    return folder


def test_two_agents_merge_into_one_build(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "parts" / "linux", "linux")
    arm = part(tmp_path / "parts" / "arm", "arm", failing=True)
    result = cli("--workdir", work, "collect", "--part", linux, "--part", arm)
    assert result.exit_code == 0, result.stderr
    artifacts = read_contract(Artifacts, work / "artifacts.json")
    assert [p.platform for p in artifacts.platforms] == ["linux", "arm"]
    assert [a.platform for a in artifacts.artifacts] == ["linux", "arm"]
    assert artifacts.reproducibility.checked
    tests = read_contract(TestsReport, work / "tests.json")
    assert [p.platform for p in tests.platforms] == ["linux", "arm"]
    assert tests.critical_failures == ["arm: Suite.test"] and tests.outcome == "failed"
    for relative in (
        "artifacts/linux/svc-linux-ccc-7",
        "artifacts/arm/svc-arm-ccc-7",
        "logs/build-arm.log",
        "reports/junit-linux.xml",
    ):
        assert (work / relative).is_file(), relative
    # The real sha256sum agrees with the SHA256SUMS written for the whole build.
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=work, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 2
    assert cli("validate", work / "artifacts.json", work / "tests.json").exit_code == 0


def test_collected_artifacts_keep_the_mtime_their_build_recorded(cli: Cli, tmp_path: Path) -> None:
    """So that publish reuses the agents' digests instead of hashing every artifact again."""
    from cipipe.steps.publish.digests import artifact_file

    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "parts" / "linux", "linux")
    os.utime(linux / "artifacts/linux/svc-linux-ccc-7", ns=(1, 1_500_000_000_123_456_789))
    WorkDir(linux).write(
        read_contract(Artifacts, linux / "artifacts.json").model_copy(
            update={
                "artifacts": [
                    a.model_copy(update={"mtime_ns": 1_500_000_000_123_456_789, "sha256": "f" * 64})
                    for a in read_contract(Artifacts, linux / "artifacts.json").artifacts
                ]
            }
        )
    )
    assert cli("--workdir", work, "collect", "--part", linux).exit_code == 0
    [artifact] = read_contract(Artifacts, work / "artifacts.json").artifacts
    assert (work / artifact.path).stat().st_mtime_ns == artifact.mtime_ns
    # A digest no hash gives: publish took it from artifacts.json, it hashed nothing.
    assert artifact_file(work, artifact).sha256 == "f" * 64


def test_a_rerun_platform_replaces_its_earlier_result(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    first = part(tmp_path / "first", "linux", failing=True)
    second = part(tmp_path / "second", "linux")
    assert cli("--workdir", work, "collect", "--part", first, "--part", second).exit_code == 0
    tests = read_contract(TestsReport, work / "tests.json")
    assert len(tests.platforms) == 1 and tests.outcome == "passed"
    assert len(read_contract(Artifacts, work / "artifacts.json").artifacts) == 1


def test_parts_of_another_build_are_refused(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "linux", "linux")
    arm = part(tmp_path / "arm", "arm", commit="d" * 40)
    result = cli("--workdir", work, "collect", "--part", linux, "--part", arm)
    assert result.exit_code == 2
    assert "artifacts.json commit" in result.stderr and "different builds" in result.stderr
    assert not (work / "artifacts.json").exists() and not (work / "artifacts").exists()


def test_a_missing_part_is_named(cli: Cli, tmp_path: Path) -> None:
    result = cli("--workdir", tmp_path / "work", "collect", "--part", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


def test_the_work_folder_itself_may_be_a_part(cli: Cli, tmp_path: Path) -> None:
    work = part(tmp_path / "work", "linux")
    arm = part(tmp_path / "arm", "arm")
    assert cli("--workdir", work, "collect", "--part", work, "--part", arm).exit_code == 0
    data = json.loads((work / "artifacts.json").read_text())
    assert [a["platform"] for a in data["artifacts"]] == ["linux", "arm"]


# -- a part is another agent's stash: no link in it is followed ---------------------------------

SECRET = "TOPSECRET deploy key\n"


def secret(tmp_path: Path) -> Path:
    path = tmp_path / "agent-home" / "id_ed25519"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def assert_nothing_collected(result: CliResult, work: Path, *needles: str) -> None:
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    for needle in needles:
        assert needle in line, (needle, line)
    assert "TOPSECRET" not in result.stdout + result.stderr
    assert sorted(p.name for p in work.iterdir()) == [".lock"]  # nothing copied or merged


def test_a_linked_file_in_a_part_is_refused_and_nothing_copied(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "linux", "linux")
    arm = part(tmp_path / "arm", "arm")
    (arm / "logs" / "build-arm.log").unlink()
    (arm / "logs" / "build-arm.log").symlink_to(secret(tmp_path))
    result = cli("--workdir", work, "collect", "--part", linux, "--part", arm)
    assert_nothing_collected(result, work, "logs/build-arm.log: is a symbolic link")


def test_a_linked_folder_in_a_part_is_refused(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "linux", "linux")
    key = secret(tmp_path)
    (linux / "reports" / "extra").symlink_to(key.parent)
    result = cli("--workdir", work, "collect", "--part", linux)
    assert_nothing_collected(result, work, "reports/extra: is a symbolic link")
    # The same with the top folder itself a link: the old rglob walked the target.
    shutil.rmtree(linux / "reports")
    (linux / "reports").symlink_to(key.parent)
    result = cli("--workdir", work, "collect", "--part", linux)
    assert_nothing_collected(result, work, "reports: is a symbolic link")


def test_a_linked_part_or_part_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "linux", "linux")
    alias = tmp_path / "alias"
    alias.symlink_to(linux)
    result = cli("--workdir", work, "collect", "--part", alias)
    assert_nothing_collected(result, work, "alias: --part: is a symbolic link")
    (tmp_path / "fake.json").write_text(SECRET)
    (linux / "tests.json").unlink()
    (linux / "tests.json").symlink_to(tmp_path / "fake.json")
    result = cli("--workdir", work, "collect", "--part", linux)
    assert_nothing_collected(result, work, "tests.json: is a symbolic link")


def test_special_files_in_a_part_are_refused(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    linux = part(tmp_path / "linux", "linux")
    os.mkfifo(linux / "logs" / "pipe")
    result = cli("--workdir", work, "collect", "--part", linux)
    assert_nothing_collected(result, work, "logs/pipe: is not a regular file")


def test_collected_files_are_never_written_through_a_link(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "logs").mkdir(parents=True)
    key = secret(tmp_path)
    (work / "logs" / "build-linux.log").symlink_to(key)
    linux = part(tmp_path / "linux", "linux")
    result = cli("--workdir", work, "collect", "--part", linux)
    assert result.exit_code == 2 and "build-linux.log: is a symbolic link" in result.stderr
    assert key.read_text() == SECRET
    shutil.rmtree(work / "logs")
    (work / "logs").symlink_to(key.parent)  # a whole folder of the work folder
    result = cli("--workdir", work, "collect", "--part", linux)
    assert result.exit_code == 2 and "logs: is a symbolic link" in result.stderr
    assert [p.name for p in key.parent.iterdir()] == [key.name]


def test_a_file_swapped_for_a_link_after_the_listing_is_still_not_followed(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cipipe.steps.collect as collect_step

    work = tmp_path / "work"
    work.mkdir()
    key = secret(tmp_path)
    listed = collect_step.part_files

    def listed_then_swapped(folder: Path) -> list[Path]:
        files = listed(folder)
        log = folder / "logs" / "build-linux.log"  # another process wins the race here
        log.unlink()
        log.symlink_to(key)
        return files

    monkeypatch.setattr(collect_step, "part_files", listed_then_swapped)
    result = cli("--workdir", work, "collect", "--part", part(tmp_path / "linux", "linux"))
    assert result.exit_code == 2 and "build-linux.log: is a symbolic link" in result.stderr
    copied = work / "logs" / "build-linux.log"
    assert not copied.exists() or SECRET not in copied.read_text()
