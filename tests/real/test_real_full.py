"""`make test-real`: yaml-cpp built with its googletest suite for linux, arm and windows and
tested by `cipipe test` through ctest (natively, and under qemu for arm through the toolchain
file's emulator), the counts checked against the test program's own report. spdlog's builds
and its example as the smoke test are in the default suite (tests/real/test_real_builds.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.real.projects import (
    EXE,
    PLATFORMS,
    REAL_REPOS_AND_TOOLS,
    YAML_CPP,
    build,
    check_built_for,
    own_counts,
    plan,
)
from tests.support.inprocess import cipipe

pytestmark = [*REAL_REPOS_AND_TOOLS, pytest.mark.real_full]
TOOLCHAIN = {
    "linux": "",
    "arm": " -DCMAKE_TOOLCHAIN_FILE={cipipe_toolchains}/aarch64-linux-gnu.cmake",
    "windows": " -DCMAKE_TOOLCHAIN_FILE={cipipe_toolchains}/x86_64-w64-mingw32.cmake",
}


def runs_here(platform: str) -> bool:
    return platform != "windows" or shutil.which("wine") is not None


@pytest.mark.parametrize("platform", PLATFORMS)
def test_yaml_cpp_with_its_tests(tmp_path: Path, platform: str) -> None:
    # yaml-cpp's tests are off by default: the commands turn them on, on cipipe's toolchains;
    # the tests run through the default command, ctest, which starts them through the emulator.
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
    code = cipipe(
        "--workdir", checkout.work, "test", "--repo", checkout.repo, "--platform", platform
    )
    report = json.loads((checkout.work / "tests.json").read_text())
    [entry] = [p for p in report["platforms"] if p["platform"] == platform]
    if not runs_here(platform):
        assert entry["status"] == "not-run", entry
        pytest.skip("wine is not installed: the Windows tests are built, not run")
    assert code == 0 and entry["status"] == "ran", entry
    log = (checkout.work / f"logs/test-{platform}.log").read_text()
    # ctest itself runs natively (never behind qemu); the toolchain file's emulator starts each
    # test binary.
    started = [line.split()[1] for line in log.splitlines() if line.startswith("$ ")]
    assert started and all(Path(program).name == "ctest" for program in started), started
    # The googletest binary's own XML, which it wrote while cipipe's ctest run started it, and
    # ctest's JUnit for yaml-cpp's second ctest test, source-list (no gtest program): what
    # cipipe counted.
    truth = own_counts(
        checkout.work, platform, {"yaml-cpp::test": f"yaml-cpp-tests{EXE[platform]}"}
    )
    counts = entry["counts"]
    assert truth["total"] > 500 and truth["failed"] == 0
    assert counts["errors"] == 0
    assert {k: counts[k] for k in truth} == truth
