"""Real builds of the sample service for linux, arm and windows, checked with coreutils."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_SERVICE, require_or_skip
from tests.support.gitrepo import GitRepoBuilder
from tests.support.inprocess import cipipe

TOOLCHAINS = {
    "linux": "g++",
    "arm": "aarch64-linux-gnu-g++",
    "windows": "x86_64-w64-mingw32-g++-posix",
}
MISSING = {p: c for p, c in TOOLCHAINS.items() if shutil.which(c) is None}


@dataclass
class SampleBuild:
    repo: Path
    work: Path
    exit_code: int
    artifacts: dict[str, Any]


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleBuild]:
    """One build of every platform (with the reproducibility recheck), shared by the tests."""
    base = tmp_path_factory.mktemp("sample-build")
    repo = GitRepoBuilder(base / "sample")
    shutil.copytree(SAMPLE_SERVICE, repo.root, dirs_exist_ok=True)
    repo.commit("Add sample service")
    work = base / "work"
    assert cipipe("--workdir", work, "precheck", "--repo", repo.root) in (0, 1)
    assert cipipe("--workdir", work, "build-matrix", "--repo", repo.root) == 0
    code = cipipe(
        "--workdir",
        work,
        "build",
        "--repo",
        repo.root,
        "--build-id",
        "42",
        "--check-reproducible",
        "--skip-missing-toolchains",
    )
    artifacts = json.loads((work / "artifacts.json").read_text())
    yield SampleBuild(repo.root, work, code, artifacts)


def test_every_installed_platform_builds(sample_build: SampleBuild) -> None:
    assert sample_build.exit_code == 0
    statuses = {p["platform"]: p for p in sample_build.artifacts["platforms"]}
    for platform in TOOLCHAINS:
        if platform in MISSING:
            assert statuses[platform]["status"] == "skipped"
            assert "apt-get install" in statuses[platform]["reason"]
        else:
            assert statuses[platform]["status"] == "built", statuses[platform]["reason"]
    if MISSING:
        require_or_skip(
            f"cross toolchains not installed: {sorted(MISSING.values())} (make test installs them)"
        )


def test_artifact_names_follow_the_pattern(sample_build: SampleBuild) -> None:
    commit = sample_build.artifacts["commit"][:12]
    names = {a["platform"]: a["name"] for a in sample_build.artifacts["artifacts"]}
    expected = {
        "linux": f"sample-service-linux-{commit}-42",
        "arm": f"sample-service-arm-{commit}-42",
        "windows": f"sample-service-windows-{commit}-42.exe",
    }
    assert names == {p: n for p, n in expected.items() if p not in MISSING}
    assert sample_build.artifacts["build_id_source"] == "flag"


def test_sha256sums_verifies_with_coreutils(sample_build: SampleBuild) -> None:
    result = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=sample_build.work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(sample_build.artifacts["artifacts"])


@pytest.mark.parametrize(
    ("tool", "key"), [("sha256sum", "sha256"), ("sha1sum", "sha1"), ("md5sum", "md5")]
)
def test_digests_equal_coreutils(sample_build: SampleBuild, tool: str, key: str) -> None:
    for artifact in sample_build.artifacts["artifacts"]:
        path = sample_build.work / artifact["path"]
        out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
        assert out.stdout.split()[0] == artifact[key]
        assert path.stat().st_size == artifact["size"]


def test_builds_are_reproducible_across_folders(sample_build: SampleBuild) -> None:
    repro = sample_build.artifacts["reproducibility"]
    assert repro == {"checked": True, "required": True, "differing": []}


ELF_MACHINE = {"linux": 62, "arm": 183}  # EM_X86_64, EM_AARCH64


def test_binaries_are_for_their_platform(sample_build: SampleBuild) -> None:
    for artifact in sample_build.artifacts["artifacts"]:
        path = sample_build.work / artifact["path"]
        head = path.read_bytes()[:64]
        if artifact["platform"] == "windows":
            assert head[:2] == b"MZ"  # a PE executable
        else:
            assert head[:4] == b"\x7fELF"
            assert int.from_bytes(head[18:20], "little") == ELF_MACHINE[artifact["platform"]]
            assert os.access(path, os.X_OK)


def test_environment_is_recorded_without_secrets(sample_build: SampleBuild) -> None:
    built = [p for p in sample_build.artifacts["platforms"] if p["status"] == "built"]
    for platform in built:
        environment = platform["environment"]
        assert environment["source_date_epoch"] == 1_767_348_000 + 3600
        assert environment["env"]["TZ"] == "UTC"
        assert any(f.startswith("-ffile-prefix-map=") for f in environment["compile_flags"])
        assert environment["compiler"]["version"]
        assert set(environment["env"]) <= {
            "CC",
            "CXX",
            "CFLAGS",
            "CXXFLAGS",
            "LDFLAGS",
            "SOURCE_DATE_EPOCH",
            "TZ",
            "LC_ALL",
        }
        assert (sample_build.work / platform["log"]).is_file()


def test_arm_tests_run_under_qemu_and_report(sample_build: SampleBuild) -> None:
    if "arm" in MISSING or shutil.which("qemu-aarch64") is None:
        require_or_skip("the aarch64 cross toolchain or qemu-user is not installed")
    code = cipipe(
        "--workdir", sample_build.work, "test", "--repo", sample_build.repo, "--platform", "arm"
    )
    assert code == 0
    report = json.loads((sample_build.work / "tests.json").read_text())
    [arm] = report["platforms"]
    assert arm["runner"] == "qemu" and arm["status"] == "ran"
    assert arm["counts"]["passed"] == 17 and arm["counts"]["disabled"] == 1
    assert arm["smoke"]["passed"] is True
    junit = (sample_build.work / arm["junit"]).read_text()
    assert junit.count("<testcase") == 18
