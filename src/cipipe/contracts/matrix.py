"""matrix.json: the build matrix manifest for the commit (seed 3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Timeout
from cipipe.contracts.repo_config import RepoPath
from cipipe.identifiers import AgentLabel, Name

TestRunner = Literal["native", "emulator", "none"]
VersionSource = Literal["pinned", "detected", "not-installed"]


class ToolchainLock(Strict):
    compiler: str = Field(description="C++ compiler executable")
    version: str | None = Field(
        description="Exact version the compiler must report; null when it was not installed"
    )
    c_compiler: str | None = None
    compile_flags: list[str] = Field(default_factory=list)
    linker_flags: list[str] = Field(default_factory=list)
    cmake_toolchain_file: str | None = Field(
        default=None,
        description="Relative to the repository, or cipipe:<file> for one cipipe ships",
    )
    cmake_toolchain_sha256: str | None = Field(
        default=None, description="Of a cipipe:<file> toolchain file, checked before building"
    )
    package: str | None = Field(default=None, description="Debian package that provides it")
    lock_id: str = Field(description="sha256 of the fields above; equal locks build alike")
    version_source: VersionSource = Field(
        default="pinned",
        description="Where the version came from: .cipipe.yaml, the compiler installed where "
        "build-matrix ran, or neither (not part of lock_id)",
    )


class SmokePlan(Strict):
    command: list[str]
    expect_exit: int = 0
    expect_output: str | None = None
    timeout_seconds: Timeout = 60


class CoveragePlan(Strict):
    build_dir: RepoPath
    compile_flags: list[str]
    linker_flags: list[str]
    command: list[str]


class TestPlan(Strict):
    __test__ = False  # not a pytest test class

    runner: TestRunner
    emulator: list[str] = Field(default_factory=list, description="Prefix for test binaries")
    commands: list[list[str]]
    reason: str | None = Field(default=None, description="Why tests do not run, when they don't")
    smoke: SmokePlan | None = None
    coverage: CoveragePlan | None = None


class PlatformPlan(Strict):
    platform: Name
    os: str
    arch: str
    agent: AgentLabel = Field(description="Jenkins agent label")
    toolchain: ToolchainLock
    build_dir: RepoPath
    build: list[list[str]] = Field(description="argv lists; {source_dir} {build_dir} expanded late")
    tests: TestPlan
    artifacts: list[RepoPath] = Field(description="Globs, relative to the repository")


class Matrix(Contract):
    SCHEMA_NAME = "matrix"
    FILE_NAME = "matrix.json"

    service: Name
    commit: str
    platforms: list[PlatformPlan]
