"""One valid instance of every contract, for round-trip and schema tests."""

from __future__ import annotations

from datetime import UTC, datetime

from cipipe.contracts.base import Contract
from cipipe.contracts.matrix import Matrix, PlatformPlan, TestPlan, ToolchainLock
from cipipe.contracts.precheck import CheckResult, Finding, Precheck
from cipipe.contracts.source import Person, Source, Submodule


def sample_source() -> Source:
    return Source(
        repo_url="https://git.example.com/team/svc.git",
        commit="c" * 40,
        branch="main",
        author=Person(name="Ada", email="ada@example.com"),
        pr_id="12",
        target_branch="main",
        message="Fix it",
        commit_time=datetime(2026, 1, 2, 10, tzinfo=UTC),
        detached_head=True,
        dirty=False,
        submodules=[
            Submodule(path="ext/x", commit="d" * 40, checked_out=None, state="uninitialized")
        ],
        provenance={"commit": "git", "pr_id": "jenkins"},
    )


def sample_contracts() -> list[Contract]:
    finding = Finding(
        file="src/a.cpp",
        line=3,
        column=1,
        rule="nullPointer",
        message="m",
        severity="error",
        tool_severity="error",
    )
    precheck = Precheck(
        commit="c" * 40,
        scope="all",
        base=None,
        outcome="failed",
        blocking_failures=["cppcheck"],
        checks=[
            CheckResult(
                name="cppcheck",
                status="ran",
                passed=False,
                blocking=True,
                required=True,
                findings=[finding],
            )
        ],
    )
    lock = ToolchainLock(compiler="g++", version="12.2.0", lock_id="sha256:0")
    matrix = Matrix(
        service="svc",
        commit="c" * 40,
        platforms=[
            PlatformPlan(
                platform="linux",
                os="linux",
                arch="x86_64",
                agent="linux",
                toolchain=lock,
                build_dir="build/linux",
                build=[["make"]],
                tests=TestPlan(runner="native", commands=[["ctest"]]),
                artifacts=["build/x"],
            )
        ],
    )
    return [sample_source(), precheck, matrix]
