"""The CPU budget (--jobs, by default the CPUs this process may use) is shared by every tree
building at once: the platforms and their reproducibility rebuilds each get a share, given to
``cmake --build --parallel`` and ctest through the environment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.toolchain import probe_compiler
from tests.conftest import CliResult, requires
from tests.steps.buildflow import plan
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
GCC = probe_compiler("gcc")
pytestmark = requires(GCC is not None, "gcc is not installed")

# Each "build" writes the parallelism it was given into its artifact.
PLATFORM = """\
  {name}:
    os: linux
    arch: x86_64
    toolchain: {{compiler: gcc, version: "{version}"}}
    build: ["sh {{source_dir}}/jobs.sh {{build_dir}}"]
    artifacts: ["{{build_dir}}/jobs"]
    tests: {{runner: none}}
"""


JOBS = 'echo "$CMAKE_BUILD_PARALLEL_LEVEL $CTEST_PARALLEL_LEVEL" >"$1/jobs"\n'


def _repo(make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, names: list[str]) -> Path:
    assert GCC is not None
    platforms = "".join(PLATFORM.format(name=n, version=GCC.version) for n in names)
    config = f"service: tiny\nsupports: [{', '.join(names)}]\nplatforms:\n{platforms}"
    repo = make_repo("tiny")
    repo.commit("tiny", {".cipipe.yaml": config, "jobs.sh": JOBS})
    return repo.root


@pytest.mark.parametrize(
    ("platforms", "options", "share"),
    [
        (["one"], ["--jobs", "3"], "3 3"),
        (["one", "two"], ["--jobs", "4"], "2 2"),
        # Two platforms and their two rebuilds at once: one CPU each, four in all.
        (["one", "two"], ["--jobs", "4", "--check-reproducible"], "1 1"),
        # More trees than CPUs: as many at once as there are CPUs, one job each.
        (["one", "two"], ["--jobs", "1", "--check-reproducible"], "1 1"),
    ],
)
def test_each_tree_gets_its_share_of_the_budget(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    platforms: list[str],
    options: list[str],
    share: str,
) -> None:
    repo = _repo(make_repo, tmp_path, platforms)
    work = plan(repo, tmp_path / "work")
    result = cli("--workdir", work, "build", "--repo", repo, *options)
    assert result.exit_code == 0, result.stderr
    data = json.loads((work / "artifacts.json").read_text())
    for artifact in data["artifacts"]:
        assert (work / artifact["path"]).read_text().strip() == share
    for name in platforms:
        if "--check-reproducible" in options:
            rebuilt = repo / "build" / f"{name}-recheck" / "jobs"
            assert rebuilt.read_text().strip() == share
    assert data["reproducibility"]["differing"] == []
