"""cipipe build empties only folders inside the repository and writes its artifacts and logs
only into real folders of the work folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.toolchain import probe_compiler
from tests.conftest import OUTSIDE_SENTINEL, CliResult, requires
from tests.steps.build.buildsetup import COMPILE, config, setup
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(probe_compiler("gcc") is not None, "gcc is not installed")


def test_a_symlinked_build_folder_is_not_emptied(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    (repo.root / "build").symlink_to(outside)
    (outside / "linux").mkdir()
    (outside / "linux" / "keep.txt").write_text(OUTSIDE_SENTINEL)
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2, result.stderr
    assert "platforms.linux.build_dir" in result.stderr and "resolves to" in result.stderr
    assert (outside / "linux" / "keep.txt").read_text() == OUTSIDE_SENTINEL
    assert not (work / "artifacts.json").exists() and not (work / "logs").exists()


@pytest.mark.parametrize("value", [".", ".git"])
def test_the_repository_and_git_folder_are_never_build_folders(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, value: str
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    matrix = json.loads((work / "matrix.json").read_text())
    matrix["platforms"][0]["build_dir"] = value
    (work / "matrix.json").write_text(json.dumps(matrix))
    head = repo.head()
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2 and f"build folder {value!r} is not allowed" in result.stderr
    assert repo.head() == head and (repo.root / "main.c").is_file()


def test_the_recheck_folder_is_checked_before_the_first_build(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    (repo.root / "build").mkdir()
    (repo.root / "build" / "linux-recheck").symlink_to(outside)
    result = cli("--workdir", work, "build", "--repo", repo.root, "--check-reproducible")
    assert result.exit_code == 2 and "'build/linux-recheck'" in result.stderr
    assert not (repo.root / "build" / "linux").exists()  # the first build never started
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("folder", ["artifacts", "logs"])
def test_linked_output_folders_are_refused_before_building(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    outside: Path,
    folder: str,
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    (work / folder).symlink_to(outside)
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2 and f"{folder}: is a symbolic link" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not (repo.root / "build").exists()


def test_a_linked_log_is_refused_not_appended_to(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    (work / "logs").mkdir()
    (work / "logs" / "build-linux.log").symlink_to(outside / "keep.txt")
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2 and "build-linux.log: is a symbolic link" in result.stderr
    assert (outside / "keep.txt").read_text() == OUTSIDE_SENTINEL
