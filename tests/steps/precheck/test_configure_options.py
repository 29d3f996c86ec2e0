"""Which -D options the configure-only step takes from .cipipe.yaml: the native platform's."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import pytest

from cipipe.contracts.repo_config import RepoConfig
from cipipe.steps.precheck.configure import configure_options, native_platform

REPO = Path("/src/repo")
BUILD = REPO / "build/precheck"


def config(**data: Any) -> RepoConfig:
    return RepoConfig.model_validate({"service": "svc", **data})


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the built-in linux is x86_64")
def test_the_native_platform_is_the_one_built_for_this_machine() -> None:
    assert native_platform(config(supports=["windows", "arm", "linux"])) == "linux"
    assert native_platform(config(supports=["windows", "arm"])) is None
    own = {"host": {"os": "linux", "arch": "x86_64", "toolchain": {"version": "12"}}}
    assert native_platform(config(supports=["arm", "host"], platforms=own)) == "host"


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the built-in linux is x86_64")
def test_the_first_cmake_command_of_the_native_platform_gives_its_options() -> None:
    build = [
        ["conan", "install", ".", "-DNOT_CMAKE=1"],
        ["cmake", "-S", "{source_dir}", "-B", "{build_dir}", "-G", "Ninja", "-DA=1", "-D"],
        ["B={source_dir}/cmake", "-DOUT={build_dir}/gen"],
        ["cmake", "--build", "{build_dir}", "-DNOT_CONFIGURE=1"],
    ]
    build[1] += build.pop(2)  # a command is one list; split here only to keep lines short
    linux = {"linux": {"build": build, "toolchain": {"version": "12"}}}
    options = configure_options(config(supports=["linux"], platforms=linux), REPO, BUILD)
    assert options == ["-DA=1", "-DB=/src/repo/cmake", f"-DOUT={BUILD}/gen"]


def test_the_built_in_default_without_a_native_platform() -> None:
    options = configure_options(config(supports=["windows"]), REPO, BUILD)
    assert options == ["-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"]
