"""A Catch2 v2 repository (Debian catch2 2.13) through cipipe build and test: real counts through
ctest (``catch_discover_tests``) and through the binary's JUnit reporter, a flaky test settled by
a rerun by name, a broken one that stays failed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.contracts.testing import TestCounts
from tests.conftest import CliResult, requires
from tests.steps.buildflow import GXX, gxx_linux_config, only_platform, plan_and_build, work_folder
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(
    GXX is not None
    and shutil.which("cmake") is not None
    and Path("/usr/lib/cmake/Catch2/Catch.cmake").exists(),
    "g++, cmake and Debian's catch2 (2.13) are needed for the Catch2 repository",
)

CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(calc CXX)
enable_testing()
find_package(Catch2 2 REQUIRED)
include(Catch)
add_executable(unit main.cpp calc_test.cpp)
target_link_libraries(unit PRIVATE Catch2::Catch2)
catch_discover_tests(unit)
"""
MAIN = "#define CATCH_CONFIG_MAIN\n#include <catch2/catch.hpp>\n"
# "flaky" fails the first time it runs (it leaves a marker file) and passes on every rerun.
TESTS = r"""
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
TEST_CASE("adds") { REQUIRE(1 + 1 == 2); }
TEST_CASE("flaky, sometimes") {
  const char* marker = std::getenv("FLAKY_MARKER");
  REQUIRE(marker != nullptr);
  if (std::FILE* seen = std::fopen(marker, "r")) { std::fclose(seen); return; }
  std::FILE* f = std::fopen(marker, "w"); std::fclose(f);
  FAIL("lost the race");
}
TEST_CASE("broken") { CHECK(2 * 2 == 5); }
TEST_CASE("sections") {
  SECTION("first") { REQUIRE(true); }
  SECTION("second") { REQUIRE(true); }
}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The repository, built once by cipipe build, and its matrix."""
    config = gxx_linux_config("calc", "{build_dir}/unit")
    repo = GitRepoBuilder(tmp_path_factory.mktemp("catch2") / "calc")
    repo.commit(
        "calc",
        {
            ".cipipe.yaml": yaml.safe_dump(config),
            ".gitignore": "build/\n",
            "CMakeLists.txt": CMAKE,
            "main.cpp": MAIN,
            "calc_test.cpp": TESTS,
        },
    )
    work = plan_and_build(repo.root, tmp_path_factory.mktemp("catch2-work"))
    return repo.root, json.loads((work / "matrix.json").read_text())


def run_tests(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, cli: Cli, commands: list[list[str]]
) -> tuple[CliResult, dict[str, Any], Path]:
    repo, matrix = built
    work = work_folder(tmp_path / "work")
    matrix["platforms"][0]["tests"]["commands"] = commands
    (work / "matrix.json").write_text(json.dumps(matrix))
    result = cli("--workdir", work, "test", "--repo", repo)
    return result, only_platform(work), work


def test_counts_through_ctest_with_a_flaky_test_rerun_by_name(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLAKY_MARKER", str(tmp_path / "marker"))
    ctest = [["ctest", "--test-dir", "{build_dir}", "--output-on-failure"]]
    result, linux, work = run_tests(built, tmp_path, cli, ctest)
    assert result.exit_code == 1  # "broken" is critical
    assert linux["frameworks"] == ["ctest"]
    # One ctest test per Catch2 test case, as catch_discover_tests registers them.
    assert linux["counts"] == TestCounts(total=4, passed=3, failed=1, flaky=1).model_dump()
    assert linux["flaky"] == ["flaky, sometimes"]
    [broken] = linux["failures"]
    assert broken["name"] == "broken" and "CHECK( 2 * 2 == 5 )" in broken["message"]
    # The reruns selected the failed tests by name only.
    rerun = (work / "reports/linux/run0-rerun1.xml").read_text()
    assert 'name="flaky, sometimes"' in rerun and 'name="adds"' not in rerun
    assert (work / "reports/linux/run0-rerun2.xml").read_text().count("<testcase") == 1


def test_counts_through_the_binarys_own_junit_reporter(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLAKY_MARKER", str(tmp_path / "marker"))
    result, linux, work = run_tests(built, tmp_path, cli, [["{build_dir}/unit"]])
    assert result.exit_code == 1
    assert linux["frameworks"] == ["catch2"]
    # Catch2 reports each leaf section: sections/first and sections/second.
    assert linux["counts"] == TestCounts(total=5, passed=4, failed=1, flaky=1).model_dump()
    assert linux["flaky"] == ["flaky, sometimes"]
    assert [f["name"] for f in linux["failures"]] == ["broken"]
    junit = (work / linux["junit"]).read_text()
    assert junit.count("<flakyFailure") == 1 and "lost the race" in junit
    assert 'name="sections/second"' in junit
    rerun = (work / "reports/linux/run0-rerun1.xml").read_text()
    assert 'name="flaky, sometimes"' in rerun and 'name="adds"' not in rerun
