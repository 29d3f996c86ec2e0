"""A CMake project built without its tests (yaml-cpp's default): ctest finds none. The test step
says so, and the gate does not take the empty run for evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import CliResult, requires
from tests.steps.buildflow import GXX, gxx_linux_config, plan_and_build
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(quiet CXX)
option(QUIET_BUILD_TESTS "Build the tests" OFF)
add_executable(app main.cpp)
if(QUIET_BUILD_TESTS)
  enable_testing()
  add_test(NAME runs COMMAND app)
endif()
"""


@requires(GXX is not None, "g++ is needed")
def test_no_test_found_is_said_and_the_gate_wants_tests(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    config = gxx_linux_config("quiet", "{build_dir}/app")
    repo = make_repo("quiet")
    repo.commit(
        "quiet",
        {
            ".cipipe.yaml": yaml.safe_dump(config),
            "CMakeLists.txt": CMAKE,
            "main.cpp": "int main() { return 0; }\n",
        },
    )
    work = plan_and_build(repo.root, tmp_path / "work")
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    assert "linux: no test found" in result.stderr
    [linux] = json.loads((work / "tests.json").read_text())["platforms"]
    assert linux["status"] == "ran" and linux["counts"]["total"] == 0
    cli("--workdir", work, "gate", "--repo", repo.root)
    gates = {g["name"]: g for g in json.loads((work / "gate.json").read_text())["gates"]}
    assert gates["unit-tests"]["status"] == "missing"
    assert gates["unit-tests"]["reason"].startswith("no test found on linux")
