"""A .clang-format / .clang-tidy the installed tool cannot read: "not-run: tool too old (needs
N)", never findings and never a crash; real clang-format and clang-tidy with keys of a newer
version than the one installed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.analyzers.clang_options import CLANG_FORMAT_KEYS, CLANG_TIDY_KEYS
from cipipe.adapters.analyzers.interface import tool_version
from tests.conftest import CliResult, needs_tools
from tests.support.gitrepo import GitRepoBuilder
from tests.support.sarif import assert_valid_sarif

pytestmark = needs_tools
Cli = Callable[..., CliResult]
Factory = Callable[[str], GitRepoBuilder]

ONLY = {
    "clang-format": "precheck:\n  cppcheck: {enabled: false}\n  clang-tidy: {enabled: false}\n",
    "clang-tidy": "precheck:\n  cppcheck: {enabled: false}\n  clang-format: {enabled: false}\n",
}


# A key clang-format reads only when another has a given value (QualifierOrder: Custom only).
PREREQUISITE = {"QualifierOrder": "QualifierAlignment: Custom\n"}


def installed_major(tool: str) -> int:
    version = tool_version(tool)
    assert version, f"{tool} --version names no version"
    return int(version.split(".")[0])


def newer_key(tool: str, table: dict[str, int]) -> tuple[str, int]:
    """The first key (oldest version) the installed tool is too old for."""
    major = installed_major(tool)
    newer = sorted((version, key) for key, version in table.items() if version > major)
    if not newer:
        pytest.skip(f"{tool} {major} knows every key of the table")
    version, key = newer[0]
    return key, version


def _precheck(
    cli: Cli, make_repo: Factory, tool: str, files: dict[str, str | bytes], policy: str = ""
) -> tuple[CliResult, Path]:
    repo = make_repo("r")
    config = f"service: demo\nsupports: [linux]\n{ONLY[tool]}{policy}"
    repo.commit("code", {".cipipe.yaml": config, "src/a.cpp": "int  a( ){return 1;}\n", **files})
    work = repo.root.parent / "work"
    return cli("--workdir", work, "precheck", "--repo", repo.root), work


def _check(work: Path, name: str) -> dict[str, Any]:
    report = json.loads((work / "precheck.json").read_text())
    return dict(next(c for c in report["checks"] if c["name"] == name))


def test_a_newer_clang_format_key_is_not_run_naming_the_version(
    cli: Cli, make_repo: Factory
) -> None:
    key, version = newer_key("clang-format", CLANG_FORMAT_KEYS)
    style = f"BasedOnStyle: LLVM\n{key}: true\n"
    result, work = _precheck(cli, make_repo, "clang-format", {".clang-format": style})
    assert result.exit_code == 1, result.stderr  # required: a check that cannot run fails
    check = _check(work, "clang-format")
    assert (check["status"], check["passed"], check["findings"]) == ("not-run", False, [])
    assert check["reason"].startswith(f"tool too old (needs clang-format {version}): ")
    assert f".clang-format:2: unknown key '{key}'" in check["reason"]
    assert "this is clang-format " in check["reason"]
    assert "precheck failed: clang-format" in result.stderr
    sarif = json.loads((work / "precheck.sarif").read_text())
    assert_valid_sarif(sarif)
    run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "clang-format")
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["results"] == []
    cli("--workdir", work, "gate", "--repo", work.parent / "r")
    gates = json.loads((work / "gate.json").read_text())["gates"]
    formatting = next(g for g in gates if g["name"] == "formatting")
    assert formatting["status"] == "failed"
    assert (
        formatting["reason"]
        == f"clang-format not-run (tool too old (needs clang-format {version}))"
    )


def test_a_not_required_formatter_too_old_passes_and_the_gate_skips_it(
    cli: Cli, make_repo: Factory
) -> None:
    key, _ = newer_key("clang-format", CLANG_FORMAT_KEYS)
    style = f"BasedOnStyle: LLVM\n{key}: true\n"
    policy = "  clang-format: {required: false}\n"
    result, work = _precheck(cli, make_repo, "clang-format", {".clang-format": style}, policy)
    assert result.exit_code == 0, result.stderr
    check = _check(work, "clang-format")
    assert (check["status"], check["passed"]) == ("not-run", True)
    repo = work.parent / "r"
    cli("--workdir", work, "gate", "--repo", repo)
    gates = json.loads((work / "gate.json").read_text())["gates"]
    formatting = next(g for g in gates if g["name"] == "formatting")
    assert (formatting["status"], formatting["reason"]) == ("skipped", "clang-format not-run")


def test_an_unknown_key_not_in_the_table_asks_for_a_newer_tool(
    cli: Cli, make_repo: Factory
) -> None:
    style = "BasedOnStyle: LLVM\nInsertNewlineAtEndOfEverything: true\n"
    _, work = _precheck(cli, make_repo, "clang-format", {".clang-format": style})
    reason = _check(work, "clang-format")["reason"]
    assert reason.startswith("tool too old (needs a newer clang-format): ")
    assert "unknown key 'InsertNewlineAtEndOfEverything'" in reason


def test_a_style_file_in_a_sub_folder_is_asked_about_too(cli: Cli, make_repo: Factory) -> None:
    key, version = newer_key("clang-format", CLANG_FORMAT_KEYS)
    files: dict[str, str | bytes] = {
        ".clang-format": "BasedOnStyle: LLVM\n",
        "src/new/.clang-format": f"BasedOnStyle: LLVM\n{key}: true\n",
        "src/new/b.cpp": "int b() { return 2; }\n",
    }
    _, work = _precheck(cli, make_repo, "clang-format", files)
    check = _check(work, "clang-format")
    assert check["status"] == "not-run"
    assert f"(needs clang-format {version}): src/new/.clang-format:2:" in check["reason"]


def test_a_newer_clang_tidy_key_is_not_run(cli: Cli, make_repo: Factory) -> None:
    key, version = newer_key("clang-tidy", CLANG_TIDY_KEYS)
    tidy = f"Checks: '-*,bugprone-*'\n{key}: true\n"
    result, work = _precheck(cli, make_repo, "clang-tidy", {".clang-tidy": tidy})
    assert result.exit_code == 1, result.stderr
    check = _check(work, "clang-tidy")
    assert (check["status"], check["findings"]) == ("not-run", [])
    assert check["reason"].startswith(f"tool too old (needs clang-tidy {version}): ")
    assert f".clang-tidy:2: unknown key '{key}'" in check["reason"]


def test_a_broken_clang_tidy_file_fails_to_run_instead_of_running_defaults(
    cli: Cli, make_repo: Factory
) -> None:
    result, work = _precheck(cli, make_repo, "clang-tidy", {".clang-tidy": "Checks: [x\n"})
    assert result.exit_code == 1, result.stderr
    check = _check(work, "clang-tidy")
    assert check["status"] == "failed-to-run"
    assert check["reason"].startswith("clang-tidy cannot read .clang-tidy:1: ")


@pytest.mark.parametrize(
    ("tool", "table", "name"),
    [
        ("clang-format", CLANG_FORMAT_KEYS, ".clang-format"),
        ("clang-tidy", CLANG_TIDY_KEYS, ".clang-tidy"),
    ],
)
def test_the_installed_tool_agrees_with_the_table(
    tool: str, table: dict[str, int], name: str, tmp_path: Path
) -> None:
    """Every key the table dates after the installed version is unknown to it, and every key
    dated at or before it is known (whatever else it says about the value)."""
    from cipipe.adapters.process import run_program

    major = installed_major(tool)
    (tmp_path / "a.cpp").write_text("int a;\n")
    for key, version in sorted(table.items()):
        (tmp_path / name).write_text(PREREQUISITE.get(key, "") + f"{key}: 1\n")
        argv = [tool, "--dump-config"]
        argv += ["--style=file", "a.cpp"] if tool == "clang-format" else ["a.cpp", "--"]
        stderr = run_program(argv, cwd=tmp_path, timeout=60).stderr
        unknown = f"unknown key '{key}'" in stderr
        assert unknown == (version > major), (key, version, major, stderr)
