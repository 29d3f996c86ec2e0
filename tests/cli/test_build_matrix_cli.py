from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.toolchain import probe_compiler
from tests.conftest import CliResult, have, requires
from tests.contracts.samples import sample_source
from tests.steps.buildflow import work_folder
from tests.support.gitrepo import GitRepoBuilder

CONFIG = """\
service: svc
supports: [linux, arm]
agents: {arm: "arm64 && native"}
platforms:
  linux: {toolchain: {version: "12.2.0"}}
  arm: {toolchain: {version: "12.2.0"}}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return work_folder(tmp_path / "work")


@pytest.fixture
def repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": CONFIG})
    return repo


def test_jenkins_format_lists_platform_and_agent(
    cli: Callable[..., CliResult], repo: GitRepoBuilder, workdir: Path
) -> None:
    result = cli("--workdir", workdir, "build-matrix", "--repo", repo.root, "--format", "jenkins")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "linux\tlinux\narm\tarm64 && native\n"
    matrix = json.loads((workdir / "matrix.json").read_text())
    assert matrix["commit"] == sample_source().commit


def test_json_format_prints_the_file(
    cli: Callable[..., CliResult], repo: GitRepoBuilder, workdir: Path
) -> None:
    result = cli("--workdir", workdir, "build-matrix", "--repo", repo.root, "--format", "json")
    assert result.stdout == (workdir / "matrix.json").read_text()


def test_workdir_and_repo_from_environment(
    cli: Callable[..., CliResult],
    repo: GitRepoBuilder,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIPIPE_WORKDIR", str(workdir))
    monkeypatch.setenv("CIPIPE_REPO", str(repo.root))
    assert cli("build-matrix").exit_code == 0
    assert (workdir / "matrix.json").is_file()


def test_json_log_lines(cli: Callable[..., CliResult], repo: GitRepoBuilder, workdir: Path) -> None:
    result = cli("--log-format", "json", "--workdir", workdir, "build-matrix", "--repo", repo.root)
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any("linux on 'linux'" in r["message"] for r in records)


@requires(have("g++"), "g++ is not installed")
def test_prints_each_compiler_and_whether_its_version_was_detected(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], workdir: Path
) -> None:
    repo = make_repo("svc")
    repo.commit(
        "init",
        {
            ".cipipe.yaml": "service: svc\nsupports: [linux, arm]\n"
            "platforms: {arm: {toolchain: {version: '9.9.9'}}}\n"
        },
    )
    result = cli("--workdir", workdir, "build-matrix", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    gxx = probe_compiler("g++")
    assert gxx is not None
    assert f"linux: g++ {gxx.version} (detected)" in result.stderr
    assert (
        "arm: aarch64-linux-gnu-g++ 9.9.9 (pinned in .cipipe.yaml), CMake toolchain "
        "cipipe:aarch64-linux-gnu.cmake" in result.stderr
    )
    locks = [p["toolchain"] for p in json.loads((workdir / "matrix.json").read_text())["platforms"]]
    assert [(t["version"], t["version_source"]) for t in locks] == [
        (gxx.version, "detected"),
        ("9.9.9", "pinned"),
    ]
