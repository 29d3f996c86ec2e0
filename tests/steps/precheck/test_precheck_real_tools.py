"""precheck against the real clang-format, cppcheck and clang-tidy, on known violations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, needs_tools
from tests.steps.precheck import tool_wording
from tests.support.gitrepo import GitRepoBuilder
from tests.support.sarif import assert_valid_sarif
from tests.support.snapshots import assert_snapshot, assert_snapshot_text

pytestmark = needs_tools

CONFIG = """\
service: demo
supports: [linux]
platforms:
  linux:
    toolchain: {version: "12.2.0"}
precheck:
  exclude: ["third_party/**"]
  include_dirs: [include]
  telemetry:
    required:
      - path: telemetry/contract.json
        keys: [service, metrics.requests_total]
      - path: telemetry/missing.yaml
"""

FILES: dict[str, str | bytes] = {
    ".cipipe.yaml": CONFIG,
    ".clang-format": "BasedOnStyle: LLVM\n",
    "src/format.cpp": "int  badly ( int x ){return x+1 ;}\n",
    "src/bounds.cpp": (
        "int read_past_end() {\n  int values[3] = {1, 2, 3};\n  return values[3];\n}\n"
    ),
    "src/tidy.cpp": "double half(int total) { return total / 2; }\n",
    "include/clean.hpp": "#pragma once\nint clean(int x);\n",
    "third_party/vendored.cpp": "int  ugly ( ){return 1 ;}\n",
    "telemetry/contract.json": json.dumps({"service": "demo", "metrics": {}}),
    "docs/readme.md": "not C++\n",
}


@pytest.fixture
def violations(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("violations")
    repo.commit("code with known problems", FILES)
    return repo


def precheck(cli: Callable[..., CliResult], repo: Path, workdir: Path, *extra: str) -> CliResult:
    return cli("--workdir", workdir, "precheck", "--repo", repo, *extra)


def load(workdir: Path, name: str) -> Any:
    return json.loads((workdir / name).read_text())


def test_every_tool_reports_its_violation(
    cli: Callable[..., CliResult], violations: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    result = precheck(cli, violations.root, work)
    assert result.exit_code == 1, result.stderr
    report = load(work, "precheck.json")
    checks = {c["name"]: c for c in report["checks"]}
    assert report["outcome"] == "failed"
    # Formatting blocks by default (seed 2.2); cppcheck and clang-tidy only report.
    assert report["blocking_failures"] == ["clang-format", "telemetry-contract"]

    fmt = checks["clang-format"]
    assert fmt["status"] == "ran" and not fmt["passed"]
    assert {f["file"] for f in fmt["findings"]} == {"src/format.cpp"}
    assert fmt["counts"]["error"] == len(fmt["findings"]) >= 5
    assert fmt["files_checked"] == 4  # the vendored file is excluded, the .md is not C++

    cpp = {f["rule"]: f for f in checks["cppcheck"]["findings"]}
    assert cpp["arrayIndexOutOfBounds"]["severity"] == "error"
    assert cpp["arrayIndexOutOfBounds"]["file"] == "src/bounds.cpp"
    assert cpp["arrayIndexOutOfBounds"]["line"] == 3
    assert checks["cppcheck"]["passed"] is False and checks["cppcheck"]["blocking"] is False

    tidy = {f["rule"]: f for f in checks["clang-tidy"]["findings"]}
    assert tidy["bugprone-integer-division"]["file"] == "src/tidy.cpp"
    assert tidy["bugprone-integer-division"]["severity"] == "warning"
    assert checks["clang-tidy"]["passed"] is True  # warnings are below the default fail_on

    telemetry = checks["telemetry-contract"]["findings"]
    assert [(f["file"], f["rule"]) for f in telemetry] == [
        ("telemetry/contract.json", "telemetry-contract/missing-key"),
        ("telemetry/missing.yaml", "telemetry-contract/missing-file"),
    ]
    assert "metrics.requests_total" in telemetry[0]["message"]
    assert "precheck failed: clang-format, telemetry-contract" in result.stderr


def test_sarif_is_valid_and_maps_severities(
    cli: Callable[..., CliResult], violations: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    precheck(cli, violations.root, work)
    log = load(work, "precheck.sarif")
    assert_valid_sarif(log)
    runs = {run["tool"]["driver"]["name"]: run for run in log["runs"]}
    assert set(runs) == {"clang-format", "cppcheck", "clang-tidy", "telemetry-contract"}
    levels = {r["ruleId"]: r["level"] for r in runs["cppcheck"]["results"]}
    assert levels["arrayIndexOutOfBounds"] == "error"
    assert levels["constVariable"] == "note"  # style -> note
    for run in log["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("/") and ":" not in uri, uri
    # Byte-stable apart from the installed tools' versions and wording (tool_wording.py).
    for run in log["runs"]:
        run["tool"]["driver"].pop("version", None)
    assert_snapshot("precheck-violations.sarif.json", tool_wording.sarif_log(log))


def test_changed_scope_checks_only_changed_files(
    cli: Callable[..., CliResult], violations: GitRepoBuilder, tmp_path: Path
) -> None:
    base = violations.head()
    violations.git("checkout", "-q", "-b", "feature")
    violations.commit("touch tidy", {"src/tidy.cpp": "int ok() { return 1; }\n"})
    work = tmp_path / "work"
    result = precheck(cli, violations.root, work, "--scope", "changed", "--target-branch", "main")
    report = load(work, "precheck.json")
    assert report["scope"] == "changed"
    assert report["base"] == base
    for name in ("clang-format", "cppcheck", "clang-tidy"):
        check = next(c for c in report["checks"] if c["name"] == name)
        assert check["files_checked"] == 1
        assert all(f["file"] == "src/tidy.cpp" for f in check["findings"])
    # Only the telemetry contract still fails.
    assert report["blocking_failures"] == ["telemetry-contract"]
    assert result.exit_code == 1


def test_changed_scope_with_unknown_target_branch_is_exit_2(
    cli: Callable[..., CliResult], violations: GitRepoBuilder, tmp_path: Path
) -> None:
    result = precheck(
        cli, violations.root, tmp_path / "w", "--scope", "changed", "--target-branch", "nope"
    )
    assert result.exit_code == 2
    assert "cannot find target branch 'nope'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w" / "precheck.json").exists()


def _clean_repo(
    make_repo: Callable[[str], GitRepoBuilder], extra_config: str = ""
) -> GitRepoBuilder:
    repo = make_repo("clean")
    repo.commit(
        "clean",
        {
            ".cipipe.yaml": "service: demo\nsupports: [linux]\n" + extra_config,
            ".clang-format": "BasedOnStyle: LLVM\n",
            "src/ok.cpp": "int ok(int x) { return x + 1; }\n",
        },
    )
    return repo


def test_clean_repository_passes(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(make_repo)
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    assert result.exit_code == 0, result.stderr
    report = load(work, "precheck.json")
    assert report["outcome"] == "passed"
    assert all(c["passed"] for c in report["checks"])
    assert_valid_sarif(load(work, "precheck.sarif"))


def test_required_tool_missing_fails_by_name(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(
        make_repo, "precheck:\n  clang-tidy: {executable: clang-tidy-does-not-exist}\n"
    )
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    assert result.exit_code == 1
    tidy = next(c for c in load(work, "precheck.json")["checks"] if c["name"] == "clang-tidy")
    assert tidy["status"] == "not-installed" and not tidy["passed"]
    assert "clang-tidy-does-not-exist is not installed" in tidy["reason"]
    assert "precheck failed: clang-tidy" in result.stderr
    sarif = load(work, "precheck.sarif")
    assert_valid_sarif(sarif)
    run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"] == "clang-tidy")
    assert run["invocations"][0]["executionSuccessful"] is False


def test_optional_tool_missing_is_reported_not_failed(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(
        make_repo, "precheck:\n  cppcheck: {executable: no-such-cppcheck, required: false}\n"
    )
    result = precheck(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 0
    check = next(
        c for c in load(tmp_path / "w", "precheck.json")["checks"] if c["name"] == "cppcheck"
    )
    assert check["status"] == "not-installed" and check["passed"]


def test_broken_clang_format_style_is_failed_to_run(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(make_repo)
    repo.commit("break style", {".clang-format": "BasedOnStyle: [not, a, style\n"})
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    assert result.exit_code == 1
    fmt = next(c for c in load(work, "precheck.json")["checks"] if c["name"] == "clang-format")
    assert fmt["status"] == "failed-to-run"
    assert "clang-format exited" in fmt["reason"]


def test_no_clang_format_file_skips_formatting(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(make_repo)
    repo.git("rm", "-q", ".clang-format")
    repo.commit("no style")
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    fmt = next(c for c in load(work, "precheck.json")["checks"] if c["name"] == "clang-format")
    assert fmt["status"] == "skipped" and "no .clang-format" in fmt["reason"]


def test_clang_tidy_uses_compile_commands(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("db")
    source = (
        "#ifdef WITH_RATIO\ndouble ratio(int total) { return total / 2; }\n#endif\n"
        "int other() { return 0; }\n"
    )
    repo.commit(
        "feature behind a define",
        {".cipipe.yaml": "service: demo\nsupports: [linux]\n", "src/ratio.cpp": source},
    )
    work = tmp_path / "w"
    precheck(cli, repo.root, work)

    def rules() -> set[str]:
        checks = load(work, "precheck.json")["checks"]
        return {f["rule"] for c in checks if c["name"] == "clang-tidy" for f in c["findings"]}

    assert "bugprone-integer-division" not in rules()
    db = [
        {
            "directory": str(repo.root),
            "file": "src/ratio.cpp",
            "arguments": ["c++", "-std=c++17", "-DWITH_RATIO", "-c", "src/ratio.cpp"],
        }
    ]
    repo.write("build/compile_commands.json", json.dumps(db))
    precheck(cli, repo.root, work)
    assert "bugprone-integer-division" in rules()


def test_outputs_match_their_golden_files(
    cli: Callable[..., CliResult], violations: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    precheck(cli, violations.root, work)
    assert_snapshot_text("precheck-violations.source.json", (work / "source.json").read_text())
    report = load(work, "precheck.json")
    for check in report["checks"]:
        check["duration_seconds"] = 0.0  # the one value a clock decides
        if check["tool"]:
            check["tool"]["version"] = "<installed version>"
    assert_snapshot("precheck-violations.precheck.json", tool_wording.precheck_report(report))


def test_disabled_check_is_recorded_but_has_no_sarif_run(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _clean_repo(make_repo, "precheck:\n  clang-tidy: {enabled: false}\n")
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    tidy = next(c for c in load(work, "precheck.json")["checks"] if c["name"] == "clang-tidy")
    assert (tidy["status"], tidy["passed"]) == ("disabled", True)
    names = [r["tool"]["driver"]["name"] for r in load(work, "precheck.sarif")["runs"]]
    assert names == ["clang-format", "cppcheck", "telemetry-contract"]


def test_cppcheck_checks_changed_sources_the_database_does_not_compile(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    # spdlog's default configure leaves its tests out of compile_commands.json: a pull request
    # that changes only a test once stopped cppcheck ("could not find any files matching the
    # filter", failed-to-run), which failed the precheck.
    repo = make_repo("tests-not-built")
    db = [
        {
            "directory": str(repo.root),
            "file": "src/lib.cpp",
            "arguments": ["c++", "-std=c++17", "-c", "src/lib.cpp"],
        }
    ]
    repo.commit(
        "library",
        {
            ".cipipe.yaml": "service: demo\nsupports: [linux]\n",
            "src/lib.cpp": "int lib() { return 0; }\n",
            "build/compile_commands.json": json.dumps(db),
        },
    )
    repo.commit("a test", {"tests/t.cpp": FILES["src/bounds.cpp"]})
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work, "--scope", "changed")
    [cppcheck] = [c for c in load(work, "precheck.json")["checks"] if c["name"] == "cppcheck"]
    assert cppcheck["status"] == "ran", (cppcheck["reason"], result.stderr)
    found = {(f["file"], f["rule"]) for f in cppcheck["findings"]}
    assert ("tests/t.cpp", "arrayIndexOutOfBounds") in found
