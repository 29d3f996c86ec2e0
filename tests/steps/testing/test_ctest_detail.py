"""A googletest binary that ctest runs as one test is counted by its gtest cases."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cipipe.contracts.testing import TestCounts
from cipipe.readers.gtest_xml import GtestCase, GtestReport
from cipipe.steps.testing.ctest_detail import read_commands, with_gtest_detail
from tests.conftest import CliResult, requires
from tests.steps.buildflow import GXX, gxx_linux_config, only_platform, plan_and_build
from tests.steps.testing.flaky import FLAKY_ONCE
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]


def gtest_xml(*cases: tuple[str, bool]) -> str:
    body = "".join(
        f'<testcase name="{name}" status="run" result="completed" time="0">'
        + ("" if ok else '<failure message="boom"/>')
        + "</testcase>"
        for name, ok in cases
    )
    return f'<testsuites><testsuite name="Calc">{body}</testsuite></testsuites>'


def ctest_case(name: str, failed: bool = False) -> GtestCase:
    return GtestCase(
        suite="ctest",
        name=name,
        status="failed" if failed else "passed",
        time=0.0,
        message="exit 1" if failed else None,
        label=name,
    )


def test_a_whole_binary_test_becomes_its_gtest_cases(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(gtest_xml(("A", True), ("B", False)))
    (tmp_path / "other_1.xml").write_text(gtest_xml(("C", True)))
    commands = read_commands(
        json.dumps(
            {
                "tests": [
                    {"name": "all", "command": ["/usr/bin/qemu-aarch64", "-L", "/s", "/b/unit"]},
                    {"name": "plain", "command": ["/bin/sh", "-c", "exit 0"]},
                    {"name": "other", "command": ["/b/other.exe"]},
                    {"name": "gone"},
                ]
            }
        )
    )
    report = GtestReport(
        (ctest_case("all", failed=True), ctest_case("plain"), ctest_case("other")), 0.0
    )
    detailed = with_gtest_detail(report, commands, tmp_path)
    assert [(c.full_name, c.status, c.rerun_as) for c in detailed.cases] == [
        ("Calc.A", "passed", "all"),
        ("Calc.B", "failed", "all"),
        ("plain", "passed", None),
        ("Calc.C", "passed", "other"),
    ]
    assert detailed.rerun_names == ["all"]


def test_ambiguous_or_contradicting_detail_leaves_ctests_result(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(gtest_xml(("A", True)))
    # Two ctest tests run the same binary (gtest_discover_tests does that, with filters).
    shared = {"one": ["/b/unit", "--gtest_filter=Calc.A"], "two": ["/b/unit"]}
    report = GtestReport((ctest_case("one"), ctest_case("two")), 0.0)
    assert with_gtest_detail(report, shared, tmp_path) == report
    # ctest says it failed (a crash after the last test): the all-passing XML does not hide it.
    report = GtestReport((ctest_case("all", failed=True),), 0.0)
    assert with_gtest_detail(report, {"all": ["/b/unit"]}, tmp_path) == report
    assert read_commands("not json") == {} and read_commands('{"tests": 3}') == {}


CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(calc CXX)
enable_testing()
find_package(GTest REQUIRED)
add_executable(unit calc_test.cpp)
target_link_libraries(unit PRIVATE GTest::gtest_main)
add_test(NAME all COMMAND unit)
add_test(NAME plain COMMAND sh -c "exit 0")
"""


@requires(
    GXX is not None
    and shutil.which("cmake") is not None
    and Path("/usr/include/gtest/gtest.h").exists(),
    "g++, cmake and libgtest-dev are needed for the gtest repository",
)
def test_counts_through_ctest_are_the_gtest_cases(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLAKY_MARKER", str(tmp_path / "marker"))
    config = gxx_linux_config("calc", "{build_dir}/unit")
    repo = make_repo("calc")
    repo.commit(
        "calc",
        {
            ".cipipe.yaml": yaml.safe_dump(config),
            "CMakeLists.txt": CMAKE,
            "calc_test.cpp": FLAKY_ONCE,
        },
    )
    work = plan_and_build(repo.root, tmp_path / "work")
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    data = only_platform(work)
    assert data["frameworks"] == ["ctest"]
    # Three gtest cases (one passes, one is flaky, one broken) instead of one ctest test "all",
    # and the plain ctest test.
    assert data["counts"] == TestCounts(total=4, passed=3, failed=1, flaky=1).model_dump()
    assert data["flaky"] == ["Queue.Races"]
    assert [f["name"] for f in data["failures"]] == ["Queue.Broken"]
    # The rerun selected the ctest test that runs the binary, not the plain one.
    rerun = (work / "reports/linux/run0-rerun1.xml").read_text()
    assert 'name="all"' in rerun and 'name="plain"' not in rerun
