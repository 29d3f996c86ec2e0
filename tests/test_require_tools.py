"""CIPIPE_REQUIRE_TOOLS=1 turns the skip of a missing tool, peer or data set into a failure,
and `.ci/run` sets it (and finds the JIT defect data) for CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PROBE = "tests/data/require_tools_probe.py"


def run_probe(require: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CIPIPE_REQUIRE_TOOLS"}
    if require is not None:
        env["CIPIPE_REQUIRE_TOOLS"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("require", [None, "0", ""])
def test_locally_a_missing_tool_is_a_skip_with_its_reason(require: str | None) -> None:
    result = run_probe(require)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 1 passed, 2 skipped" in summary(result), result.stdout
    assert "frobnicator is not installed" in result.stdout
    assert "no widget server on this machine" in result.stdout


def test_with_require_tools_a_missing_tool_fails_with_its_reason() -> None:
    result = run_probe("1")
    assert result.returncode == 1, result.stdout + result.stderr
    # The mark stops the test in its setup (an error), the call in its body (a failure).
    assert "1 failed, 1 passed, 1 error" in summary(result), result.stdout
    assert "skipped" not in summary(result)
    assert "frobnicator is not installed (CIPIPE_REQUIRE_TOOLS=1" in result.stdout
    assert "no widget server on this machine (CIPIPE_REQUIRE_TOOLS=1" in result.stdout
    assert "must not" not in result.stdout  # neither test body went on


def fake_clone(tmp_path: Path, where: str) -> tuple[Path, Path]:
    """The CI scripts in a clone at ``tmp_path/where``, and a `make` that records its call."""
    clone = tmp_path / where
    shutil.copytree(REPO_ROOT / ".ci", clone / ".ci")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "make-called"
    make = bin_dir / "make"
    make.write_text(f'#!/bin/sh\n{{ echo "args=$*"; echo "pwd=$(pwd -P)"; env; }} > "{record}"\n')
    make.chmod(0o755)
    return clone, record


def run_ci(clone: Path, tmp_path: Path, **env: str) -> tuple[dict[str, str], str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CIPIPE_")}
    base["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{base.get('PATH', '')}"
    result = subprocess.run(
        ["bash", str(clone / ".ci" / "run")],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = (tmp_path / "make-called").read_text().splitlines()
    seen = dict(line.split("=", 1) for line in lines if "=" in line)
    return seen, result.stdout + result.stderr


def test_ci_run_requires_tools_and_finds_the_jit_data_above_the_clone(tmp_path: Path) -> None:
    data = tmp_path / "srv" / "shared" / "data" / "jit"
    data.mkdir(parents=True)
    clone, _ = fake_clone(tmp_path, "srv/ci/workspace/cipipe")
    seen, output = run_ci(clone, tmp_path)
    assert seen["args"] == "test"
    assert seen["pwd"] == str(clone.resolve())
    assert seen["CIPIPE_REQUIRE_TOOLS"] == "1"
    assert seen["CIPIPE_JIT_DATA"] == str(data.resolve())
    assert f"JIT defect data: {data.resolve()}" in output


def test_ci_run_keeps_an_explicit_jit_data_folder(tmp_path: Path) -> None:
    (tmp_path / "shared" / "data" / "jit").mkdir(parents=True)
    clone, _ = fake_clone(tmp_path, "cipipe")
    seen, _ = run_ci(clone, tmp_path, CIPIPE_JIT_DATA="/data/jit-elsewhere")
    assert seen["CIPIPE_JIT_DATA"] == "/data/jit-elsewhere"


def test_ci_run_without_the_data_says_so_and_leaves_it_unset(tmp_path: Path) -> None:
    clone, _ = fake_clone(tmp_path, "cipipe")
    finder = subprocess.run(
        ["bash", str(clone / ".ci" / "find-jit-data")], capture_output=True, text=True, check=True
    )
    if finder.stdout.strip():
        pytest.skip(f"a folder above the temp folder has JIT data: {finder.stdout.strip()}")
    seen, output = run_ci(clone, tmp_path)
    assert seen["CIPIPE_REQUIRE_TOOLS"] == "1"
    assert "CIPIPE_JIT_DATA" not in seen
    assert "the tests that read it will fail" in output
