"""precheck's verdict per check policy, a tool stopped at its time limit, and the configure-only
step that gives the analysers a compilation database; real tools and real CMake projects."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, have, needs_tools, requires
from tests.support.gitrepo import GitRepoBuilder
from tests.support.sarif import assert_valid_sarif

pytestmark = needs_tools
needs_cmake = requires(have("cmake", "c++"), "cmake and a C++ compiler are not installed")
Cli = Callable[..., CliResult]
Factory = Callable[[str], GitRepoBuilder]

# clang-tidy reports a failed #error as an error (clang-diagnostic-error).
GUARDED_HEADER = (
    "#pragma once\n"
    "#ifndef DEMO_COMPILED_LIB\n"
    '#error "Please define DEMO_COMPILED_LIB"\n'
    "#endif\n"
    "int twice(int x);\n"
)
CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(demo CXX)
add_library(demo src/demo.cpp)
target_include_directories(demo PUBLIC include)
target_compile_definitions(demo PUBLIC DEMO_COMPILED_LIB)
"""


def precheck(cli: Cli, repo: Path, work: Path, *extra: str) -> CliResult:
    return cli("--workdir", work, "precheck", "--repo", repo, *extra)


def load(work: Path, name: str) -> Any:
    return json.loads((work / name).read_text())


def named(work: Path, name: str) -> dict[str, Any]:
    return next(c for c in load(work, "precheck.json")["checks"] if c["name"] == name)


def guarded_project(make_repo: Factory, config: str = "", cmake: str = CMAKE) -> GitRepoBuilder:
    repo = make_repo("guarded")
    repo.commit(
        "a library whose header needs a definition CMake sets",
        {
            ".cipipe.yaml": "service: demo\nsupports: [linux]\n" + config,
            "CMakeLists.txt": cmake,
            "include/demo.hpp": GUARDED_HEADER,
            "src/demo.cpp": '#include "demo.hpp"\nint twice(int x) { return 2 * x; }\n',
        },
    )
    return repo


def demo_repo(make_repo: Factory, precheck: str, files: dict[str, str]) -> GitRepoBuilder:
    """A repository of the service demo on linux: its ``precheck`` section and ``files``."""
    repo = make_repo("r")
    repo.commit("code", {".cipipe.yaml": f"service: demo\nsupports: [linux]\n{precheck}", **files})
    return repo


def tidy_rules(work: Path) -> set[str]:
    return {f["rule"] for f in named(work, "clang-tidy")["findings"]}


def only_clang_tidy(extra: str = "") -> str:
    return (
        "precheck:\n  cppcheck: {enabled: false}\n  clang-format: {enabled: false}\n"
        f"  clang-tidy: {{{extra}}}\n"
    )


def only_cppcheck(settings: str) -> str:
    return (
        "precheck:\n  clang-tidy: {enabled: false}\n  clang-format: {enabled: false}\n"
        f"  cppcheck: {{{settings}}}\n"
    )


def test_a_non_blocking_error_passes_precheck_with_attention(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    broken = {"src/broken.cpp": '#error "never compiles"\nint x;\n'}
    repo = demo_repo(make_repo, only_clang_tidy(), broken)
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    assert result.exit_code == 0, result.stderr
    report = load(work, "precheck.json")
    assert report["outcome"] == "passed" and report["attention"] == ["clang-tidy"]
    tidy = named(work, "clang-tidy")
    assert tidy["failing"] == 1 and tidy["reason"] == "1 finding(s) at or above error"
    assert "precheck passed, needs attention: clang-tidy (1 finding(s) at or above error" in (
        result.stderr
    )
    gate = cli("--workdir", work, "gate", "--repo", repo.root)
    static = next(g for g in load(work, "gate.json")["gates"] if g["name"] == "static-analysis")
    assert static["status"] == "warning", static
    assert gate.exit_code == 1  # rejected for the reports no step wrote, not for clang-tidy


def test_fail_on_warning_makes_a_warning_block(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    policy = only_clang_tidy("blocking: true, fail_on: warning")
    repo = demo_repo(
        make_repo, policy, {"src/tidy.cpp": "double half(int total) { return total / 2; }\n"}
    )
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    assert result.exit_code == 1
    assert load(work, "precheck.json")["blocking_failures"] == ["clang-tidy"]
    assert named(work, "clang-tidy")["reason"] == "1 finding(s) at or above warning"


# cppcheck's arrayIndexOutOfBounds on line 3.
OUT_OF_BOUNDS = "int f() {\n  int v[3] = {1, 2, 3};\n  return v[3];\n}\n"
FAKE_CPPCHECK = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "Cppcheck 2.10"; exit 0; fi
cat >/dev/null
printf '<?xml version="1.0" encoding="UTF-8"?>\\n<results version="2">\\n' >&2
printf '<cppcheck version="2.10"/>\\n<errors>\\n' >&2
printf '<error id="arrayIndexOutOfBounds" severity="error" msg="Array index 3 is out of bounds"' >&2
printf ' cwe="788">\\n<location file="src/a.cpp" line="3" column="16"/>\\n</error>\\n' >&2
printf '<error id="unusedVar' >&2
exec sleep 30
"""


def fake_cppcheck(folder: Path, text: str = FAKE_CPPCHECK) -> Path:
    """A tool (by default a cppcheck) that reports one finding, starts a second and then
    hangs (stopped by the one-second limit; the sleep bounds it even if it were not)."""
    folder.mkdir()
    script = folder / "slow-cppcheck"
    script.write_text(text)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_tool_stopped_before_any_finding_is_no_pass(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    silent = "\n".join(line for line in FAKE_CPPCHECK.splitlines() if "<error" not in line)
    script = fake_cppcheck(tmp_path / "bin", silent + "\n")
    policy = only_cppcheck(f"executable: {script}, timeout_seconds: 1, blocking: true")
    repo = demo_repo(make_repo, policy, {"src/a.cpp": "int a;\n"})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 1
    check = named(work, "cppcheck")
    assert (check["status"], check["passed"], check["findings"]) == ("incomplete", False, [])
    assert check["reason"] == "timed out after 1 s, 0 finding(s) before"


@pytest.mark.parametrize("blocking", [False, True])
def test_a_timed_out_tool_is_incomplete_with_what_it_found(
    cli: Cli, make_repo: Factory, tmp_path: Path, blocking: bool
) -> None:
    script = fake_cppcheck(tmp_path / "bin")
    policy = only_cppcheck(
        f"executable: {script}, timeout_seconds: 1, blocking: {str(blocking).lower()}"
    )
    repo = demo_repo(make_repo, policy, {"src/a.cpp": OUT_OF_BOUNDS})
    work = tmp_path / "w"
    result = precheck(cli, repo.root, work)
    check = named(work, "cppcheck")
    assert check["status"] == "incomplete" and check["timed_out_after"] == 1
    assert [(f["rule"], f["file"], f["line"]) for f in check["findings"]] == [
        ("arrayIndexOutOfBounds", "src/a.cpp", 3)
    ]
    assert check["reason"].startswith("timed out after 1 s, 1 finding(s) before")
    sarif = load(work, "precheck.sarif")
    assert_valid_sarif(sarif)
    run = next(r for r in sarif["runs"] if r["automationDetails"]["id"].endswith("/cppcheck/"))
    assert [r["ruleId"] for r in run["results"]] == ["arrayIndexOutOfBounds"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "timed out after 1 s" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    report = load(work, "precheck.json")
    assert result.exit_code == (1 if blocking else 0), result.stderr
    assert report["blocking_failures"] == (["cppcheck"] if blocking else [])
    assert report["attention"] == ([] if blocking else ["cppcheck"])
    cli("--workdir", work, "gate", "--repo", repo.root)
    static = next(g for g in load(work, "gate.json")["gates"] if g["name"] == "static-analysis")
    assert static["status"] == ("failed" if blocking else "warning")
    assert "cppcheck incomplete (timed out after 1 s)" in static["reason"]


FAKE_CLANG_TIDY = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "LLVM version 14.0.6"; exit 0; fi
echo "src/a.cpp:2:3: warning: reported in time [bugprone-in-time]"
echo "  return v[3];"
exec sleep 30
"""


def test_a_timed_out_clang_tidy_keeps_the_diagnostics_it_printed(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    script = fake_cppcheck(tmp_path / "bin", FAKE_CLANG_TIDY)
    tidy = f"executable: {script}, timeout_seconds: 1, fail_on: warning"
    repo = demo_repo(make_repo, only_clang_tidy(tidy), {"src/a.cpp": OUT_OF_BOUNDS})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    check = named(work, "clang-tidy")
    assert check["status"] == "incomplete" and check["timed_out_after"] == 1
    assert [(f["rule"], f["file"], f["line"]) for f in check["findings"]] == [
        ("bugprone-in-time", "src/a.cpp", 2)
    ]
    assert check["failing"] == 1
    assert load(work, "precheck.json")["attention"] == ["clang-tidy"]


@needs_cmake
def test_the_configure_step_gives_clang_tidy_the_definitions(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    repo = guarded_project(make_repo, only_clang_tidy())
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    database = load(work, "precheck.json")["compile_db"]
    assert database == {
        "origin": "configure-step",
        "folder": "build/precheck",
        "log": "logs/precheck-configure.log",
        "note": None,
    }
    assert (repo.root / "build/precheck/compile_commands.json").is_file()
    log = (work / "logs/precheck-configure.log").read_text()
    assert "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON" in log and "-DCMAKE_BUILD_TYPE=Release" in log
    assert named(work, "clang-tidy")["findings"] == []
    assert named(work, "clang-tidy")["files_checked"] == 2


@needs_cmake
def test_without_a_database_clang_tidy_reports_the_error(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    # A database folder named in .cipipe.yaml is used as is: no configure step.
    repo = guarded_project(make_repo, only_clang_tidy() + "  compile_commands: nowhere\n")
    work = tmp_path / "w"
    precheck(cli, repo.root, work)
    database = load(work, "precheck.json")["compile_db"]
    assert database["origin"] == "none" and "nowhere" in database["note"]
    assert "clang-diagnostic-error" in tidy_rules(work)
    assert not (repo.root / "build").exists()


@needs_cmake
def test_cppcheck_reads_the_database_and_keeps_the_selection(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    config = "precheck:\n  clang-tidy: {enabled: false}\n  clang-format: {enabled: false}\n"
    config += '  exclude: ["src/other.cpp"]\n'
    cmake = CMAKE.replace("src/demo.cpp)", "src/demo.cpp src/other.cpp)")
    repo = guarded_project(make_repo, config, cmake)
    repo.commit(
        "an excluded file with a bug",
        {"src/other.cpp": "int g() {\n  int v[3] = {1, 2, 3};\n  return v[3];\n}\n"},
    )
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    check = named(work, "cppcheck")
    assert load(work, "precheck.json")["compile_db"]["origin"] == "configure-step"
    # The #error would be a preprocessorErrorDirective without the definition.
    assert check["findings"] == [], check["findings"]


@needs_cmake
def test_the_native_platforms_options_reach_the_configure_step(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    cmake = CMAKE.replace(
        "target_compile_definitions(demo PUBLIC DEMO_COMPILED_LIB)",
        "if(DEMO_SHARED_BUILD)\n  target_compile_definitions(demo PUBLIC DEMO_COMPILED_LIB)\n"
        "endif()",
    )
    build = (
        "platforms:\n  linux:\n    build:\n"
        "      - [cmake, -S, '{source_dir}', -B, '{build_dir}', -DDEMO_SHARED_BUILD=ON]\n"
        "      - [cmake, --build, '{build_dir}']\n"
    )
    repo = guarded_project(make_repo, build + only_clang_tidy(), cmake)
    work = tmp_path / "w"
    precheck(cli, repo.root, work)
    assert tidy_rules(work) == set()
    assert "-DDEMO_SHARED_BUILD=ON" in (work / "logs/precheck-configure.log").read_text()


@needs_cmake
def test_a_failed_configure_is_noted_and_the_analysers_run_as_before(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    broken = CMAKE + 'message(FATAL_ERROR "this project does not configure")\n'
    repo = guarded_project(make_repo, only_clang_tidy(), broken)
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    database = load(work, "precheck.json")["compile_db"]
    assert database["origin"] == "none"
    assert database["log"] == "logs/precheck-configure.log"
    assert "see logs/precheck-configure.log" in database["note"]
    assert "this project does not configure" in (work / database["log"]).read_text()
    assert "clang-diagnostic-error" in tidy_rules(work)


def test_no_configure_step_without_cmake_or_without_an_analyser(
    cli: Cli, make_repo: Factory, tmp_path: Path
) -> None:
    repo = demo_repo(make_repo, "", {"src/a.cpp": "int a;\n"})
    work = tmp_path / "w"
    precheck(cli, repo.root, work)
    assert load(work, "precheck.json")["compile_db"]["origin"] == "none"
    assert not (work / "logs").exists()
    off = "precheck:\n  cppcheck: {enabled: false}\n  clang-tidy: {enabled: false}\n"
    cmake_repo = guarded_project(make_repo, off)
    precheck(cli, cmake_repo.root, work)
    assert load(work, "precheck.json")["compile_db"]["origin"] == "none"
    assert not (cmake_repo.root / "build").exists()
