"""cipipe's CMake toolchain files on a tiny CMake project: build-matrix and build with nothing
but the built-in defaults give real cross builds (CMake knows the target system, MINGW is set,
the aarch64 test binary runs under qemu through ctest)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, have, requires
from tests.steps.buildflow import plan_and_build
from tests.support.binformat import cmake_system, elf_machine, imports_dll, pe_machine
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(
    have("cmake", "ctest", "aarch64-linux-gnu-g++", "qemu-aarch64", "x86_64-w64-mingw32-g++-posix"),
    "cmake, the aarch64 and mingw-w64 (posix) cross compilers and qemu-user are needed "
    "(make cross-tools installs them)",
)

# The facts CMake decided are written at configure time; the program needs the posix-threads
# mingw (std::thread) and, on Windows, ws2_32 linked the way projects ask for it (if(WIN32)).
CMAKELISTS = """\
cmake_minimum_required(VERSION 3.16)
project(tiny CXX)
enable_testing()
add_executable(hello hello.cpp)
if(WIN32)
  target_link_libraries(hello ws2_32)
endif()
add_test(NAME hello COMMAND hello)
file(WRITE ${CMAKE_BINARY_DIR}/facts.txt "MINGW=${MINGW}\\nWIN32=${WIN32}\\n")
"""
HELLO = """\
#include <cstdio>
#include <thread>
#ifdef _WIN32
#include <winsock2.h>
#endif
int main() {
#ifdef _WIN32
  std::printf("wsa %d\\n", WSAGetLastError());
#endif
  std::thread worker([] { std::puts("hello from the target"); });
  worker.join();
  return 0;
}
"""
CONFIG = """\
service: tiny
supports: [arm, windows]
platforms:
  arm: {artifacts: ["{build_dir}/hello"]}
  windows: {artifacts: ["{build_dir}/hello.exe"]}
"""


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    """One build-matrix and build of the tiny project, shared by the tests of this module."""
    base = tmp_path_factory.mktemp("cross")
    repo = GitRepoBuilder(base / "tiny")
    repo.commit("tiny", {".cipipe.yaml": CONFIG, "CMakeLists.txt": CMAKELISTS, "hello.cpp": HELLO})
    return repo.root, plan_and_build(repo.root, base / "work")


def test_no_toolchain_section_is_needed(built: tuple[Path, Path]) -> None:
    _, work = built
    matrix = json.loads((work / "matrix.json").read_text())
    locks = {p["platform"]: p["toolchain"] for p in matrix["platforms"]}
    assert {k: v["version_source"] for k, v in locks.items()} == {
        "arm": "detected",
        "windows": "detected",
    }
    assert locks["windows"]["version"].endswith("-posix")
    artifacts = json.loads((work / "artifacts.json").read_text())
    assert [p["status"] for p in artifacts["platforms"]] == ["built", "built"]


def test_cmake_knows_it_cross_compiles(built: tuple[Path, Path]) -> None:
    repo, _ = built
    arm, windows = cmake_system(repo / "build/arm"), cmake_system(repo / "build/windows")
    assert (arm["CMAKE_CROSSCOMPILING"], arm["CMAKE_SYSTEM_NAME"]) == ("TRUE", "Linux")
    assert arm["CMAKE_SYSTEM_PROCESSOR"] == "aarch64"
    assert (windows["CMAKE_CROSSCOMPILING"], windows["CMAKE_SYSTEM_NAME"]) == ("TRUE", "Windows")
    assert windows["CMAKE_SYSTEM_PROCESSOR"] == "x86_64"
    assert "MINGW=1" in (repo / "build/windows/facts.txt").read_text()
    assert "MINGW=\n" in (repo / "build/arm/facts.txt").read_text()


def test_the_artifacts_are_for_the_target(built: tuple[Path, Path]) -> None:
    _, work = built
    files = {
        a["platform"]: work / a["path"]
        for a in json.loads((work / "artifacts.json").read_text())["artifacts"]
    }
    assert elf_machine(files["arm"]) == "aarch64"
    assert pe_machine(files["windows"]) == "x86_64"
    assert imports_dll(files["windows"], "WS2_32.dll")


def test_ctest_runs_the_aarch64_test_binary_through_qemu(built: tuple[Path, Path]) -> None:
    repo, _ = built
    result = subprocess.run(
        ["ctest", "--test-dir", str(repo / "build/arm"), "--verbose"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    command = next(line for line in result.stdout.splitlines() if "Test command:" in line)
    assert "qemu-aarch64" in command and '"-L" "/usr/aarch64-linux-gnu"' in command
    assert "hello from the target" in result.stdout
