"""Unit tests run against the build that ships; coverage comes from its own instrumented tree,
configured with a build type of its own so that ``--coverage -O0`` is not overridden by
Release's ``-O3 -DNDEBUG``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.process import find_program
from cipipe.steps.testing.coverage import coverage_build_commands
from tests.conftest import CliResult, requires
from tests.steps.buildflow import (
    GCOVR_COVERAGE,
    GXX,
    gxx_linux_config,
    only_platform,
    plan_and_build,
)
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]

CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(calc CXX)
enable_testing()
find_package(GTest REQUIRED)
include(GoogleTest)
add_executable(unit calc.cpp calc_test.cpp)
target_link_libraries(unit PRIVATE GTest::gtest_main)
gtest_discover_tests(unit)
"""
CALC = "int twice(int x) {\n  return 2 * x;\n}\n"
# Passes only in the build that ships (Release defines NDEBUG): the counts must come from it.
TESTS = """\
#include <gtest/gtest.h>
int twice(int x);
TEST(Calc, Twice) { EXPECT_EQ(twice(2), 4); }
TEST(Calc, ShipsOptimised) {
#ifndef NDEBUG
  FAIL() << "ran in a tree without NDEBUG";
#endif
}
"""


def test_coverage_commands_get_a_build_type_of_their_own() -> None:
    build = [
        ["cmake", "-S", "s", "-B", "b", "-DCMAKE_BUILD_TYPE=Release", "-DX=1"],
        ["/usr/bin/cmake", "-D", "CMAKE_BUILD_TYPE=Release", "-S", "s", "-B", "b"],
        ["cmake", "--build", "b", "--parallel"],
        ["make", "CMAKE_BUILD_TYPE=Release"],
    ]
    out = coverage_build_commands(build, ["--coverage", "-O0"], ["--coverage"])
    settings = [
        "-DCMAKE_BUILD_TYPE=Coverage",
        "-DCMAKE_C_FLAGS_COVERAGE=--coverage -O0",
        "-DCMAKE_CXX_FLAGS_COVERAGE=--coverage -O0",
        "-DCMAKE_EXE_LINKER_FLAGS_COVERAGE=--coverage",
        "-DCMAKE_SHARED_LINKER_FLAGS_COVERAGE=--coverage",
        "-DCMAKE_MODULE_LINKER_FLAGS_COVERAGE=--coverage",
    ]
    assert out[0] == ["cmake", "-S", "s", "-B", "b", "-DX=1", *settings]
    assert out[1] == ["/usr/bin/cmake", "-S", "s", "-B", "b", *settings]
    assert out[2:] == build[2:]  # not a configure: unchanged


@requires(
    GXX is not None
    and shutil.which("cmake") is not None
    and find_program("gcovr") is not None
    and Path("/usr/include/gtest/gtest.h").exists(),
    "g++, cmake, gcovr and libgtest-dev are needed for the two trees",
)
def test_counts_from_the_shipping_tree_coverage_from_an_instrumented_one(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    # No test commands: the default, ctest.
    config = gxx_linux_config("calc", "{build_dir}/unit", tests={"coverage": GCOVR_COVERAGE})
    repo = make_repo("calc")
    repo.commit(
        "calc",
        {
            ".cipipe.yaml": yaml.safe_dump(config),
            "CMakeLists.txt": CMAKE,
            "calc.cpp": CALC,
            "calc_test.cpp": TESTS,
        },
    )
    work = plan_and_build(repo.root, tmp_path / "work")
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr

    linux = only_platform(work)
    assert linux["frameworks"] == ["ctest"]
    assert linux["counts"]["passed"] == 2 and linux["counts"]["failed"] == 0
    assert linux["coverage"]["lines_covered"] == linux["coverage"]["lines_valid"] == 2
    # Each gtest binary under ctest wrote its own XML into the run's folder.
    assert list((work / "reports/linux/run0-gtest").glob("*.xml"))

    compiled = compile_commands(repo.root / "build/coverage")
    assert compiled and all("--coverage" in c and "-O0" in c for c in compiled)
    assert not any("-O3" in c or "-DNDEBUG" in c for c in compiled), compiled
    shipped = compile_commands(repo.root / "build/linux")
    assert all("-O3" in c and "-DNDEBUG" in c and "--coverage" not in c for c in shipped)


def compile_commands(tree: Path) -> list[str]:
    entries: list[dict[str, Any]] = json.loads((tree / "compile_commands.json").read_text())
    return [e["command"] for e in entries]


@requires(
    GXX is not None
    and shutil.which("cmake") is not None
    and shutil.which("ccache") is not None
    and find_program("gcovr") is not None
    and Path("/usr/include/gtest/gtest.h").exists(),
    "g++, cmake, ccache, gcovr and libgtest-dev are needed for the coverage tree through ccache",
)
def test_coverage_tree_compiles_only_what_changed(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CCACHE_DISABLE", raising=False)
    config = gxx_linux_config("calc", "{build_dir}/unit", tests={"coverage": GCOVR_COVERAGE})
    repo = make_repo("calc")
    files = {"CMakeLists.txt": CMAKE, "calc.cpp": CALC, "calc_test.cpp": TESTS}
    repo.commit("calc", {".cipipe.yaml": yaml.safe_dump(config), **files})
    work = plan_and_build(repo.root, tmp_path / "work")
    stats = work / "logs/coverage-linux.ccache-stats"
    outcomes = []
    changes: list[dict[str, str | bytes]] = [{}, {"calc.cpp": CALC.replace("2 * x", "x + x")}]
    for change in changes:
        if change:
            repo.commit("change", change)
        assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
        assert only_platform(work)["coverage"]["lines_covered"] == 2
        outcomes.append(source_outcomes(stats))
    # The first coverage tree fills the cache (its flags are not the shipping tree's); the next
    # compiles only calc.cpp, which changed. (CMake's own configure probes, in folders of
    # random names, are not the project's sources.)
    assert outcomes == [
        {"calc.cpp": "miss", "calc_test.cpp": "miss"},
        {"calc.cpp": "miss", "calc_test.cpp": "hit"},
    ]


def source_outcomes(stats_log: Path) -> dict[str, str]:
    """hit or miss per source file of the project, from a ccache stats log."""
    outcomes: dict[str, str] = {}
    name = None
    for line in stats_log.read_text().splitlines():
        if line.startswith("# "):
            name = Path(line[2:]).name
        elif name in ("calc.cpp", "calc_test.cpp") and line in ("direct_cache_hit", "cache_miss"):
            outcomes[name] = "hit" if line == "direct_cache_hit" else "miss"
    return outcomes
