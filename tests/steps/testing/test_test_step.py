"""cipipe test with real gtest programs: flaky reruns, crashes, critical policy, runners."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.contracts.testing import TestCounts
from tests.conftest import DATA, CliResult, requires
from tests.steps.buildflow import plan
from tests.steps.testing.flaky import FLAKY_ONCE
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
GTEST_SOURCES = DATA / "gtest" / "src"
pytestmark = requires(
    shutil.which("g++") is not None and Path("/usr/include/gtest/gtest.h").exists(),
    "g++ and libgtest-dev are needed to build the gtest programs",
)


def compile_gtest(source: Path, out: Path) -> Path:
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-O0",
            "-o",
            str(out),
            str(source),
            "-lgtest",
            "-lgtest_main",
            "-pthread",
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gtest-programs")
    (folder / "flaky_once.cpp").write_text(FLAKY_ONCE)
    sources = {
        "flaky": folder / "flaky_once.cpp",
        "crash": GTEST_SOURCES / "crash.cpp",
        "failures": GTEST_SOURCES / "failures.cpp",
        "all_pass": GTEST_SOURCES / "all_pass.cpp",
        "setup_failure": GTEST_SOURCES / "suite_setup_failure.cpp",
    }
    return {name: compile_gtest(src, folder / name) for name, src in sources.items()}


def project(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    commands: list[str],
    *,
    tests: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    name: str = "svc",
) -> tuple[GitRepoBuilder, Path]:
    settings = {"runner": "native", "commands": commands, **(tests or {})}
    config = {
        "service": "svc",
        "supports": ["linux"],
        "platforms": {"linux": {"toolchain": {"version": "1"}, "tests": settings}},
        "test": policy or {},
    }
    repo = make_repo(name)
    repo.commit("svc", {".cipipe.yaml": yaml.safe_dump(config)})
    return repo, plan(repo.root, tmp_path / f"work-{name}")


def report(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "tests.json").read_text())
    return data


def test_flaky_test_passes_on_rerun_and_broken_one_stays_failed(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLAKY_MARKER", str(tmp_path / "marker"))
    repo, work = project(make_repo, tmp_path, [str(programs["flaky"])])
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 1
    [linux] = report(work)["platforms"]
    assert linux["counts"] == TestCounts(total=3, passed=2, failed=1, flaky=1).model_dump()
    assert linux["flaky"] == ["Queue.Races"]
    assert [f["name"] for f in linux["failures"]] == ["Queue.Broken"]
    assert report(work)["critical_failures"] == ["linux: Queue.Broken"]
    junit = (work / linux["junit"]).read_text()
    assert junit.count("<flakyFailure") == 1 and "lost the race" in junit
    assert junit.count("<rerunFailure") == 2  # two reruns of Broken, both failed
    # Only the failed tests were rerun.
    rerun = (work / "reports/linux/run0-rerun1.xml").read_text()
    assert "Pushes" not in rerun and "Races" in rerun


def test_crash_without_report_is_an_error_not_a_pass(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
) -> None:
    repo, work = project(make_repo, tmp_path, [str(programs["crash"]), str(programs["all_pass"])])
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    [linux] = report(work)["platforms"]
    assert linux["counts"]["errors"] == 1 and linux["counts"]["passed"] == 6
    [error] = linux["failures"]
    assert error["name"] == str(programs["crash"]) and error["critical"]
    assert "without writing a test report" in error["message"]


def test_nonzero_exit_without_failed_tests_is_an_error(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
) -> None:
    repo, work = project(make_repo, tmp_path, [str(programs["setup_failure"])])
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    [linux] = report(work)["platforms"]
    assert linux["counts"]["errors"] == 1
    assert "no failed test" in linux["failures"][0]["message"]


def test_only_critical_failures_fail_the_step(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
) -> None:
    repo, work = project(
        make_repo,
        tmp_path,
        [str(programs["failures"])],
        policy={"critical": ["Storage.*"], "flaky_reruns": 0},
    )
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    data = report(work)
    assert data["outcome"] == "passed" and data["critical_failures"] == []
    assert data["platforms"][0]["counts"]["failed"] == 4

    repo, work = project(
        make_repo,
        tmp_path,
        [str(programs["failures"])],
        policy={"critical": ["Escaping.*"], "flaky_reruns": 0},
        name="again",
    )
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    data = report(work)
    assert {f["name"]: f["critical"] for f in data["platforms"][0]["failures"]} == {
        "Parser.TwoExpectations": False,
        "Parser.FatalAssertion": False,
        "Parser.Throws": False,
        "Escaping.SpecialCharacters": True,
    }
    assert data["critical_failures"] == ["linux: Escaping.SpecialCharacters"]


def test_missing_emulator_means_not_run_never_passed(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
) -> None:
    repo, work = project(
        make_repo,
        tmp_path,
        [str(programs["all_pass"])],
        tests={"runner": "emulator", "emulator": "wine-not-installed-here"},
    )
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    [linux] = report(work)["platforms"]
    assert linux["status"] == "not-run" and linux["counts"]["passed"] == 0
    assert "wine-not-installed-here is not installed" in linux["reason"]


def test_smoke_test_checks_exit_code_and_output(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    programs: dict[str, Path],
) -> None:
    smoke = {"command": "echo service-ok", "expect_output": "service-ok"}
    repo, work = project(make_repo, tmp_path, [str(programs["all_pass"])], tests={"smoke": smoke})
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    assert report(work)["platforms"][0]["smoke"]["passed"] is True

    smoke = {"command": "sh -c 'echo nope; exit 3'", "expect_output": "service-ok"}
    repo, work = project(
        make_repo,
        tmp_path,
        [str(programs["all_pass"])],
        tests={"smoke": smoke},
        name="again",
    )
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    result = report(work)["platforms"][0]["smoke"]
    assert not result["passed"] and "exited 3, expected 0" in result["reason"]
    assert "lacks 'service-ok'" in result["reason"]
    assert report(work)["critical_failures"][0].startswith("linux: smoke test")
