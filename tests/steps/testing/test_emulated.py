"""An emulated platform (aarch64 under qemu-user): ctest runs natively and starts each test
binary through the toolchain file's CMAKE_CROSSCOMPILING_EMULATOR; qemu's own messages reach
the log and the failure; the smoke test runs under qemu even when unit tests are ``none``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.toolchain import probe_compiler
from tests.conftest import CliResult, requires
from tests.steps.buildflow import only_platform, plan, plan_and_build
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
CROSS = probe_compiler("aarch64-linux-gnu-g++")
SYSROOT = "/usr/aarch64-linux-gnu"
pytestmark = requires(
    CROSS is not None
    and shutil.which("cmake") is not None
    and shutil.which("qemu-aarch64") is not None
    and Path(SYSROOT, "lib").is_dir(),
    "g++-aarch64-linux-gnu, cmake and qemu-user are needed for the emulated platform",
)

TOOLCHAIN = f"""\
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;{SYSROOT})
"""
CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(probe CXX)
enable_testing()
add_executable(ok ok.cpp)
add_executable(crash crash.cpp)
add_test(NAME ok COMMAND ok)
add_test(NAME crash COMMAND crash)
"""
OK = '#include <cstdio>\nint main() { std::puts("arm-ok"); return 0; }\n'
CRASH = "int main() { return *static_cast<volatile int*>(nullptr); }\n"


def config(tests: dict[str, Any]) -> str:
    assert CROSS is not None
    arm = {
        "toolchain": {"compiler": "aarch64-linux-gnu-g++", "version": CROSS.version},
        "build": [
            "cmake -S {source_dir} -B {build_dir} -DCMAKE_BUILD_TYPE=Release"
            " -DCMAKE_TOOLCHAIN_FILE={source_dir}/aarch64.cmake",
            "cmake --build {build_dir}",
        ],
        "tests": tests,
        "artifacts": ["{build_dir}/ok"],
    }
    return yaml.safe_dump({"service": "probe", "supports": ["arm"], "platforms": {"arm": arm}})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository, cross-built once by cipipe build."""
    repo = GitRepoBuilder(tmp_path_factory.mktemp("arm") / "probe")
    repo.commit(
        "probe",
        {
            ".cipipe.yaml": config({}),  # the arm defaults: qemu, ctest
            ".gitignore": "build/\n",
            "aarch64.cmake": TOOLCHAIN,
            "CMakeLists.txt": CMAKE,
            "ok.cpp": OK,
            "crash.cpp": CRASH,
        },
    )
    plan_and_build(repo.root, tmp_path_factory.mktemp("arm-work"))
    return repo.root


def work_folder(tmp_path: Path, repo: Path, tests: dict[str, Any] | None) -> Path:
    """A work folder planned from the repository's config, or from one with these ``tests``."""
    if tests is None:
        return plan(repo, tmp_path / "work")
    (tmp_path / "cipipe.yaml").write_text(config(tests))
    return plan(repo, tmp_path / "work", "--config", tmp_path / "cipipe.yaml")


def test_ctest_runs_natively_and_qemu_starts_each_test(
    built: Path, tmp_path: Path, cli: Cli
) -> None:
    work = work_folder(tmp_path, built, None)
    matrix = json.loads((work / "matrix.json").read_text())
    assert matrix["platforms"][0]["tests"]["commands"][0][0] == "ctest"  # the default command
    assert cli("--workdir", work, "test", "--repo", built).exit_code == 1
    arm = only_platform(work)
    assert (arm["runner"], arm["frameworks"]) == ("qemu", ["ctest"])
    assert arm["counts"]["total"] == 2 and arm["counts"]["passed"] == 1
    assert arm["counts"]["failed"] == 1 and arm["counts"]["errors"] == 0
    [crash] = arm["failures"]
    assert crash["name"] == "crash"
    assert "qemu: uncaught target signal 11 (Segmentation fault)" in crash["message"]
    log = (work / "logs/test-arm.log").read_text()
    assert "qemu: uncaught target signal 11" in log
    commands = [line for line in log.splitlines() if line.startswith("$ ")]
    assert commands and all("qemu" not in line for line in commands), commands
    assert "--output-junit" in commands[0]


def test_qemus_own_message_is_in_the_log_and_the_error(
    built: Path, tmp_path: Path, cli: Cli
) -> None:
    # No -L: qemu cannot find the target's dynamic loader and says so on its stderr.
    tests = {"runner": "emulator", "emulator": "qemu-aarch64", "commands": ["{build_dir}/ok"]}
    work = work_folder(tmp_path, built, tests)
    assert cli("--workdir", work, "test", "--repo", built).exit_code == 1
    arm = only_platform(work)
    assert arm["counts"]["errors"] == 1
    [error] = arm["failures"]
    assert "without writing a test report" in error["message"]
    assert "Could not open '/lib/ld-linux-aarch64.so.1'" in error["message"]
    assert "Could not open '/lib/ld-linux-aarch64.so.1'" in (work / "logs/test-arm.log").read_text()


def test_smoke_runs_under_qemu_when_unit_tests_are_none(
    built: Path, tmp_path: Path, cli: Cli
) -> None:
    smoke = {"command": "{build_dir}/ok", "expect_output": "arm-ok"}
    work = work_folder(tmp_path, built, {"runner": "none", "smoke": smoke})
    assert cli("--workdir", work, "test", "--repo", built).exit_code == 0
    arm = only_platform(work)
    assert arm["status"] == "not-run" and arm["counts"]["total"] == 0
    assert arm["smoke"]["status"] == "ran" and arm["smoke"]["passed"] is True
    assert arm["smoke"]["output"].strip() == "arm-ok"
