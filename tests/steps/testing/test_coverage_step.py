"""Coverage through cipipe test: an instrumented build, gcovr, and the delta to a baseline."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.process import find_program
from tests.conftest import DATA, CliResult, requires
from tests.steps.buildflow import (
    GCOVR_COVERAGE,
    GXX,
    gxx_linux_config,
    only_platform,
    plan_and_build,
)
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(
    GXX is not None
    and find_program("gcovr") is not None
    and Path("/usr/include/gtest/gtest.h").exists(),
    "g++, gcovr and libgtest-dev are needed for a coverage build",
)

FILES = {
    "calc.cpp": (
        "int classify(int x) {\n  if (x > 0) {\n    return 1;\n  }\n  if (x < 0) {\n"
        "    return -1;\n  }\n  return 0;\n}\n"
    ),
    "calc_test.cpp": (
        "#include <gtest/gtest.h>\nint classify(int x);\n"
        "TEST(Calc, Positive) { EXPECT_EQ(classify(5), 1); }\n"
    ),
    "build.sh": (
        '$CXX $CXXFLAGS -o "$1/unit" "$2/calc.cpp" "$2/calc_test.cpp" '
        "-lgtest -lgtest_main -pthread $LDFLAGS\n"
    ),
}


@pytest.fixture
def project(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> tuple[GitRepoBuilder, Path]:
    config = gxx_linux_config(
        "calc",
        "{build_dir}/unit",
        build=["sh {source_dir}/build.sh {build_dir} {source_dir}"],
        tests={"commands": ["{build_dir}/unit"], "coverage": GCOVR_COVERAGE},
    )
    repo = make_repo("calc")
    repo.commit("calc", {".cipipe.yaml": yaml.safe_dump(config), **FILES})
    # The unit tests run against the build that ships: cipipe build leaves it.
    return repo, plan_and_build(repo.root, tmp_path / "work")


def coverage_of(work: Path) -> dict[str, Any]:
    return only_platform(work)["coverage"]  # type: ignore[no-any-return]


def test_coverage_without_baseline_has_unknown_delta(
    project: tuple[GitRepoBuilder, Path], cli: Cli
) -> None:
    repo, work = project
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    coverage = coverage_of(work)
    # classify(): 6 executable lines, the x < 0 and x == 0 paths never run.
    assert coverage["format"] == "cobertura"
    assert (coverage["lines_covered"], coverage["lines_valid"]) == (3, 6)
    assert coverage["line_percent"] == 50.0
    assert coverage["branches_valid"] == 4 and coverage["branches_covered"] == 1  # x > 0 only
    assert coverage["baseline"] is None
    assert coverage["line_delta"] is None and coverage["branch_delta"] is None
    assert (work / coverage["report"]).is_file()


def test_delta_against_a_previous_tests_json_and_a_cobertura_file(
    project: tuple[GitRepoBuilder, Path], cli: Cli, tmp_path: Path
) -> None:
    repo, work = project
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    previous = tmp_path / "previous-tests.json"
    shutil.copy(work / "tests.json", previous)
    assert (
        cli("--workdir", work, "test", "--repo", repo.root, "--baseline", previous).exit_code == 0
    )
    assert coverage_of(work)["line_delta"] == 0.0
    assert coverage_of(work)["baseline"] == str(previous)

    baseline = DATA / "coverage" / "gcovr.xml"  # 11 of 19 lines
    assert (
        cli("--workdir", work, "test", "--repo", repo.root, "--baseline", baseline).exit_code == 0
    )
    assert coverage_of(work)["line_delta"] == round(50.0 - 100 * 11 / 19, 2)


def test_bad_baseline_is_exit_2(
    project: tuple[GitRepoBuilder, Path], cli: Cli, tmp_path: Path
) -> None:
    repo, work = project
    bad = tmp_path / "baseline.xml"
    bad.write_text("<html>not coverage</html>")
    result = cli("--workdir", work, "test", "--repo", repo.root, "--baseline", bad)
    assert result.exit_code == 2 and "unreadable coverage report" in result.stderr
    result = cli("--workdir", work, "test", "--repo", repo.root, "--baseline", tmp_path / "nope")
    assert result.exit_code == 2 and "file not found" in result.stderr
