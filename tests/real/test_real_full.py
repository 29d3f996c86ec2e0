"""`make test-real`: the full builds of yaml-cpp (with its googletest suite) and spdlog for
linux, arm and windows, the tests run through ctest (natively, and under qemu for arm through
the toolchain file's emulator), the counts checked against the test program's own report."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.real.projects import (
    EXE,
    PLATFORMS,
    REAL_REPOS_AND_TOOLS,
    SPDLOG,
    YAML_CPP,
    build,
    check_built_for,
    plan,
)

pytestmark = [*REAL_REPOS_AND_TOOLS, pytest.mark.real_full]
TOOLCHAIN = {
    "linux": "",
    "arm": " -DCMAKE_TOOLCHAIN_FILE={cipipe_toolchains}/aarch64-linux-gnu.cmake",
    "windows": " -DCMAKE_TOOLCHAIN_FILE={cipipe_toolchains}/x86_64-w64-mingw32.cmake",
}
EMULATOR = {
    "linux": [],
    "arm": ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
    "windows": ["wine"],
}


def runs_here(platform: str) -> bool:
    return platform != "windows" or shutil.which("wine") is not None


def gtest_counts(report: Path) -> tuple[int, int]:
    root = ET.parse(report).getroot()
    return int(root.get("tests", "-1")), int(root.get("failures", "-1"))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_yaml_cpp_with_its_tests(tmp_path: Path, platform: str) -> None:
    # yaml-cpp's tests are off by default: the commands turn them on, on cipipe's toolchains.
    extra = {
        p: ", build: ['cmake -S {source_dir} -B {build_dir} -DCMAKE_BUILD_TYPE=Release "
        f"-DYAML_CPP_BUILD_TESTS=ON{TOOLCHAIN[p]}', 'cmake --build {{build_dir}} --parallel 2']"
        for p in PLATFORMS
    }
    config = YAML_CPP.config(extra)
    checkout = plan(YAML_CPP, tmp_path, config)
    record, seconds = build(checkout, platform)
    print(f"yaml-cpp (with tests) {platform}: built in {seconds:.1f} s")
    build_dir = checkout.repo / record["build_dir"]
    check_built_for(build_dir, YAML_CPP, platform)
    tests = build_dir / f"test/yaml-cpp-tests{EXE[platform]}"
    assert tests.is_file()
    if not runs_here(platform):
        pytest.skip("wine is not installed: the Windows tests are built, not run")
    junit = tmp_path / "ctest.xml"
    ctest = subprocess.run(
        ["ctest", "--test-dir", str(build_dir), "--output-junit", str(junit), "--verbose"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert ctest.returncode == 0, ctest.stdout[-3000:] + ctest.stderr[-3000:]
    if EMULATOR[platform]:
        assert f"Test command: {shutil.which(EMULATOR[platform][0])}" in ctest.stdout
    assert gtest_counts(junit) == (2, 0)  # yaml-cpp::test and yaml-cpp::source-list
    # The googletest binary's own report agrees with its list of tests.
    prefix = EMULATOR[platform]
    listed = subprocess.run(
        [*prefix, str(tests), "--gtest_list_tests"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    count = sum(1 for line in listed.splitlines() if line.startswith("  "))
    report = tmp_path / "gtest.xml"
    subprocess.run(
        [*prefix, str(tests), f"--gtest_output=xml:{report}"],
        capture_output=True,
        cwd=tmp_path,
        timeout=1800,
        check=True,
    )
    assert gtest_counts(report) == (count, 0)
    assert count > 500


@pytest.mark.parametrize("platform", PLATFORMS)
def test_spdlog_example_runs_as_its_smoke_test(tmp_path: Path, platform: str) -> None:
    checkout = plan(SPDLOG, tmp_path, SPDLOG.config())
    record, seconds = build(checkout, platform)
    print(f"spdlog {platform}: built in {seconds:.1f} s")
    build_dir = checkout.repo / record["build_dir"]
    check_built_for(build_dir, SPDLOG, platform)
    if not runs_here(platform):
        pytest.skip("wine is not installed: the Windows example is built, not run")
    # In a folder of its own: the example writes logs/ where it runs.
    cwd = tmp_path / "smoke"
    cwd.mkdir()
    example = build_dir / f"example/example{EXE[platform]}"
    result = subprocess.run(
        [*EMULATOR[platform], str(example)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Welcome to spdlog" in result.stdout
