"""A build run once, and its outcome, for the rerun and publish tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.loading import read_contract
from tests.steps.buildflow import GXX, plan_and_build
from tests.support.gitrepo import GitRepoBuilder

MAIN = '#include <cstdio>\nint main() { std::puts("%s"); return 0; }\n'


# The build script; a test replaces it in the working tree to make a rebuild fail.
BUILD_SH = '$CXX $CXXFLAGS -o "$1/app" "$2/main.cpp" $LDFLAGS\n'


def two_platforms() -> str:
    assert GXX is not None
    platform = f"""\
    toolchain: {{compiler: g++, version: "{GXX.version}"}}
    build: ["sh {{source_dir}}/build.sh {{build_dir}} {{source_dir}}"]
    artifacts: ["{{build_dir}}/app"]
    tests: {{runner: none}}
"""
    return (
        "service: tiny\nsupports: [linux, lite]\nplatforms:\n  linux:\n"
        + platform
        + "  lite:\n    os: linux\n    arch: x86_64\n"
        + platform
    )


def built_once(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, *options: str
) -> tuple[Path, Path]:
    """Both platforms built as build 7, before the test rebuilds one of them."""
    repo = make_repo("tiny")
    repo.commit(
        "tiny", {".cipipe.yaml": two_platforms(), "main.cpp": MAIN % "one", "build.sh": BUILD_SH}
    )
    return repo.root, plan_and_build(repo.root, tmp_path / "work", "--build-id", "7", *options)


def outcome(work: Path) -> Artifacts:
    return read_contract(Artifacts, work / "artifacts.json")
