"""Builds through ccache, for real: cmake + g++ + ccache on a two-file project.

Every test has a cache of its own (CIPIPE_CACHE_DIR in tmp_path), so the counts are exact. The
compiler is g++ behind a wrapper that writes down each compilation it really does (the folder it
ran in and the file): a cache hit never reaches it, so the wrapper tells a tree that compiled
from scratch from one answered by the cache.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.process import find_program
from tests.conftest import CliResult, requires
from tests.steps.buildflow import GXX, gxx_linux_config, plan
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = [
    requires(GXX is not None, "g++ is not installed"),
    requires(find_program("cmake") is not None, "cmake is not installed"),
    requires(
        find_program("ccache") is not None, "ccache is not installed (apt-get install ccache)"
    ),
]

CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(tiny CXX)
add_executable(app main.cpp util.cpp)
"""
MAIN = "int util();\nint main() { return util() - 3; }\n"
UTIL = "int util() { return 3; }\n"
# Writes "<folder it ran in> <source>" for every real compilation of the project's sources (-c,
# not ccache's -E), then hands over to g++. Named *-g++ so that ccache knows it as GCC.
WRAPPER = """#!/bin/sh
compiling=no
for arg in "$@"; do [ "$arg" = "-c" ] && compiling=yes; [ "$arg" = "-E" ] && compiling=no; done
if [ "$compiling" = yes ]; then
  for arg in "$@"; do
    case "$arg" in
      */main.cpp | */util.cpp) echo "$(pwd) $(basename "$arg")" >>"$TINY_COMPILATIONS" ;;
    esac
  done
fi
exec g++ "$@"
"""


def _config(**build_policy: Any) -> str:
    assert GXX is not None
    config = gxx_linux_config("tiny", "{build_dir}/app", tests={"runner": "none"})
    config["platforms"]["linux"]["toolchain"]["compiler"] = "tiny-g++"
    config["platforms"]["linux"]["toolchain"]["version"] = GXX.version
    if build_policy:
        config["build"] = build_policy
    return yaml.safe_dump(config)


@pytest.fixture
def tiny(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[GitRepoBuilder, Path]]:
    """A repository with the policy given, planned in a work folder; a cache and a compiler
    wrapper of this test's own."""
    tools = tmp_path / "tools"
    tools.mkdir()
    wrapper = tools / "tiny-g++"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TINY_COMPILATIONS", str(tmp_path / "compilations"))
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CCACHE_DISABLE", raising=False)

    def make(**build_policy: Any) -> tuple[GitRepoBuilder, Path]:
        repo = make_repo("tiny")
        files = {"CMakeLists.txt": CMAKE, "main.cpp": MAIN, "util.cpp": UTIL}
        repo.commit("tiny", {".cipipe.yaml": _config(**build_policy), **files})
        return repo, plan(repo.root, tmp_path / "work")

    return make


def compilations(tmp_path: Path) -> list[str]:
    """What the wrapper compiled since the last call, as "<build folder name> <file>"."""
    log = tmp_path / "compilations"
    if not log.exists():
        return []
    lines = sorted(f"{Path(folder).name} {name}" for folder, name in _pairs(log.read_text()))
    log.unlink()
    return lines


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(line.rsplit(" ", 1)[0], line.rsplit(" ", 1)[1]) for line in text.splitlines()]


def build(cli: Cli, repo: GitRepoBuilder, work: Path, *options: str) -> dict[str, Any]:
    result = cli("--workdir", work, "build", "--repo", repo.root, *options)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads((work / "artifacts.json").read_text())
    return data


def test_second_build_is_answered_by_the_cache_and_counted(
    tiny: Callable[..., tuple[GitRepoBuilder, Path]], tmp_path: Path, cli: Cli
) -> None:
    repo, work = tiny()
    first = build(cli, repo, work)["platforms"][0]["compiler_cache"]
    assert first == {
        "tool": "ccache",
        "cache_dir": str(tmp_path / "cache" / "ccache"),
        "hits": 0,
        # main.cpp, util.cpp and CMake's probe of the compiler (the link is not launched)
        "misses": 3,
        "uncacheable": 0,
    }
    assert compilations(tmp_path) == ["linux main.cpp", "linux util.cpp"]
    second = build(cli, repo, work)["platforms"][0]["compiler_cache"]
    assert (second["hits"], second["misses"]) == (3, 0)
    assert compilations(tmp_path) == []
    # Only what changed is compiled again.
    repo.commit("util", {"util.cpp": "int util() { return 1 + 2; }\n"})
    third = build(cli, repo, work)["platforms"][0]["compiler_cache"]
    assert (third["hits"], third["misses"]) == (2, 1)
    assert compilations(tmp_path) == ["linux util.cpp"]


def test_reproducibility_rebuild_compiles_everything_itself(
    tiny: Callable[..., tuple[GitRepoBuilder, Path]], tmp_path: Path, cli: Cli
) -> None:
    """With the cache warm, the build that ships is all hits while its rebuild, in parallel,
    runs the compiler for every file: a launcher leaking into the rebuild would make it all
    hits too, and its comparison would prove nothing."""
    repo, work = tiny()
    build(cli, repo, work)
    compilations(tmp_path)
    data = build(cli, repo, work, "--check-reproducible")
    assert compilations(tmp_path) == ["linux-recheck main.cpp", "linux-recheck util.cpp"]
    cache = data["platforms"][0]["compiler_cache"]
    assert (cache["hits"], cache["misses"]) == (3, 0)
    assert data["reproducibility"] == {"checked": True, "required": False, "differing": []}
    rebuilt = (repo.root / "build/linux-recheck/CMakeCache.txt").read_text()
    assert "COMPILER_LAUNCHER" not in rebuilt
    assert (
        "CMAKE_CXX_COMPILER_LAUNCHER:STRING="
        in (repo.root / "build/linux/CMakeCache.txt").read_text()
    )


def test_policy_turns_the_cache_off(
    tiny: Callable[..., tuple[GitRepoBuilder, Path]], tmp_path: Path, cli: Cli
) -> None:
    repo, work = tiny(compiler_cache=False)
    for _ in range(2):
        platform = build(cli, repo, work)["platforms"][0]
        assert platform["compiler_cache"] is None
        assert compilations(tmp_path) == ["linux main.cpp", "linux util.cpp"]
    assert not (tmp_path / "cache").exists()
