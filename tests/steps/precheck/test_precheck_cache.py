"""The analysers' result cache: a hit for an unchanged file, a miss for each part of its key
(the file, the tool's configuration, the tool's version, the file's compile command), a
corrupt entry read as a miss, and a cache shared through CIPIPE_CACHE_DIR. A fake clang-tidy
(a wrapper script whose version is read from a file) records every file it analyses; real
cppcheck and clang-tidy show the same on a tiny repository."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.contracts.precheck import Finding
from cipipe.steps.precheck.cache import ResultCache
from tests.conftest import CliResult, needs_tools
from tests.steps.precheck.reports import named
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
Factory = Callable[[str], GitRepoBuilder]

FAKE_TIDY = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "LLVM version $(cat "{version}")"; exit 0; fi
# precheck asks whether the tool reads the style files: that is not an analysis.
if [ "$1" = "--dump-config" ]; then echo "Checks: '-*'"; exit 0; fi
for arg in "$@"; do case "$arg" in *.cpp) file="$arg";; esac; done
echo "$file" >> "{log}"
echo "$file:1:1: warning: seen by the fake [fake-check]"
"""
FILES = {"src/a.cpp": "int a() { return 1; }\n", "src/b.cpp": "int b() { return 2; }\n"}


class Tidy:
    """A fake clang-tidy: what it analysed since the last look, and its version."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.log = folder / "analysed"
        self.version_file = folder / "version"
        self.version_file.write_text("14.0.6\n")
        self.path = folder / "clang-tidy"
        self.path.write_text(FAKE_TIDY.format(version=self.version_file, log=self.log))
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)

    def analysed(self) -> list[str]:
        files = sorted(self.log.read_text().split()) if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return files


def config(tidy: Path) -> str:
    return (
        "service: demo\nsupports: [linux]\nprecheck:\n  clang-format: {enabled: false}\n"
        f"  cppcheck: {{enabled: false}}\n  clang-tidy: {{executable: {tidy}}}\n"
    )


def compile_db(repo: Path, flags: dict[str, str]) -> str:
    return json.dumps(
        [
            {"directory": str(repo), "file": f"src/{name}", "command": f"c++ {flag} -c src/{name}"}
            for name, flag in flags.items()
        ]
    )


@pytest.fixture
def tidy(tmp_path: Path) -> Tidy:
    return Tidy(tmp_path / "bin")


@pytest.fixture
def repo(make_repo: Factory, tidy: Tidy) -> GitRepoBuilder:
    repo = make_repo("r")
    repo.commit("code", {".cipipe.yaml": config(tidy.path), **FILES})
    return repo


@pytest.fixture
def precheck(cli: Cli, repo: GitRepoBuilder, tmp_path: Path) -> Callable[[], dict[str, Any]]:
    """Run precheck on ``repo`` in the same work folder; clang-tidy's result."""

    def run() -> dict[str, Any]:
        result = cli("--workdir", tmp_path / "w", "precheck", "--repo", repo.root)
        assert result.exit_code == 0, result.stderr
        return named(tmp_path / "w", "clang-tidy")

    return run


def test_an_unchanged_file_is_never_analysed_twice(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy
) -> None:
    first = precheck()
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]
    assert first["files_from_cache"] == 0
    second = precheck()
    assert tidy.analysed() == []
    assert second["files_from_cache"] == 2
    # The cached result is the result: the same findings, judged the same way.
    assert second["findings"] == first["findings"] and second["status"] == "ran"
    assert len(second["findings"]) == 2


def test_an_edited_file_alone_is_analysed_again(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy, repo: GitRepoBuilder
) -> None:
    precheck()
    tidy.analysed()
    repo.commit("edit", {"src/a.cpp": "int a() { return 3; }\n"})
    assert precheck()["files_from_cache"] == 1
    assert tidy.analysed() == ["src/a.cpp"]


def test_a_file_analysed_for_a_change_is_not_analysed_again_for_the_whole_repository(
    cli: Cli, tidy: Tidy, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    repo.commit("edit", {"src/a.cpp": "int a() { return 3; }\n"})
    work = tmp_path / "w"
    assert (
        cli("--workdir", work, "precheck", "--repo", repo.root, "--scope", "changed").exit_code == 0
    )
    assert tidy.analysed() == ["src/a.cpp"]
    # The cached result does not depend on which files were in scope.
    assert cli("--workdir", work, "precheck", "--repo", repo.root, "--scope", "all").exit_code == 0
    assert tidy.analysed() == ["src/b.cpp"]
    assert named(work, "clang-tidy")["files_from_cache"] == 1


def test_an_edited_header_analyses_every_source_again(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy, repo: GitRepoBuilder
) -> None:
    repo.commit("a header", {"src/a.hpp": "int a();\n"})
    precheck()
    tidy.analysed()
    repo.commit("edit the header", {"src/a.hpp": "int a(); // edited\n"})
    precheck()
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]


def test_a_config_edit_analyses_every_file_again(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy, repo: GitRepoBuilder
) -> None:
    repo.commit("config", {".clang-tidy": "Checks: '-*,bugprone-*'\n"})
    precheck()
    tidy.analysed()
    repo.commit("stricter", {".clang-tidy": "Checks: '-*,bugprone-*,performance-*'\n"})
    assert precheck()["files_from_cache"] == 0
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]
    # A .clang-tidy in a sub-folder applies to the files below it only.
    repo.commit("nested", {"src/.clang-tidy": "Checks: '-*'\n", "lib/c.cpp": "int c;\n"})
    precheck()
    assert tidy.analysed() == ["lib/c.cpp", "src/a.cpp", "src/b.cpp"]
    repo.commit("nested edit", {"src/.clang-tidy": "Checks: '-*,cert-*'\n"})
    precheck()
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]


def test_a_new_tool_version_analyses_every_file_again(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy
) -> None:
    precheck()
    tidy.analysed()
    tidy.version_file.write_text("15.0.7\n")
    result = precheck()
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]
    assert result["tool"]["version"] == "15.0.7"


def test_a_changed_compile_command_analyses_that_file_again(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy, repo: GitRepoBuilder
) -> None:
    repo.commit(
        "a database",
        {"compile_commands.json": compile_db(repo.root, {"a.cpp": "-O1", "b.cpp": "-O1"})},
    )
    precheck()
    tidy.analysed()
    repo.commit(
        "a.cpp built with -DFAST",
        {"compile_commands.json": compile_db(repo.root, {"a.cpp": "-DFAST", "b.cpp": "-O1"})},
    )
    assert precheck()["files_from_cache"] == 1
    assert tidy.analysed() == ["src/a.cpp"]


def test_a_corrupt_entry_is_a_miss_not_a_crash(
    precheck: Callable[[], dict[str, Any]], tidy: Tidy, tmp_path: Path
) -> None:
    first = precheck()
    tidy.analysed()
    entries = sorted((tmp_path / "w" / "cache" / "results" / "clang-tidy").rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text('{"format": 1, "key": "')  # cut short, as by a full disk
    entries[1].write_bytes(b"\xff\xfe not json")
    second = precheck()
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]
    assert second["findings"] == first["findings"]
    # Analysed again, the entries are whole again.
    assert precheck()["files_from_cache"] == 2


def test_a_shared_cache_folder_serves_another_work_folder(
    cli: Cli,
    repo: GitRepoBuilder,
    tidy: Tidy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = tmp_path / "shared" / "cache"  # created by precheck
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(shared))
    for work in ("w1", "w2"):
        assert cli("--workdir", tmp_path / work, "precheck", "--repo", repo.root).exit_code == 0
    assert tidy.analysed() == ["src/a.cpp", "src/b.cpp"]  # by the first run only
    assert named(tmp_path / "w2", "clang-tidy")["files_from_cache"] == 2
    assert len(list((shared / "results" / "clang-tidy").rglob("*.json"))) == 2
    assert not (tmp_path / "w1" / "cache").exists()


@needs_tools
def test_real_tools_rerun_from_the_cache(cli: Cli, make_repo: Factory, tmp_path: Path) -> None:
    repo = make_repo("real")
    bug = "int f() {\n  int v[2] = {0, 1};\n  return v[3];\n}\n"
    repo.commit(
        "code",
        {
            ".cipipe.yaml": "service: demo\nsupports: [linux]\n"
            "precheck:\n  clang-format: {enabled: false}\n",
            "src/a.cpp": bug,
            "src/b.cpp": "int g() { return 2; }\n",
        },
    )
    work = tmp_path / "w"

    def run() -> tuple[dict[str, Any], dict[str, Any]]:
        assert cli("--workdir", work, "precheck", "--repo", repo.root).exit_code == 0
        return named(work, "cppcheck"), named(work, "clang-tidy")

    cppcheck, clang_tidy = run()
    assert "arrayIndexOutOfBounds" in {f["rule"] for f in cppcheck["findings"]}
    assert (cppcheck["files_from_cache"], clang_tidy["files_from_cache"]) == (0, 0)
    again = run()
    assert [c["files_from_cache"] for c in again] == [2, 2]
    assert again[0]["findings"] == cppcheck["findings"]
    assert again[1]["findings"] == clang_tidy["findings"]
    # One file edited: clang-tidy analyses it alone; cppcheck runs, and its build folder in
    # the cache spares it the other file.
    repo.commit("edit", {"src/b.cpp": "int g() { return 3; }\n"})
    cppcheck, clang_tidy = run()
    assert (cppcheck["files_from_cache"], clang_tidy["files_from_cache"]) == (1, 1)
    assert cppcheck["findings"] == again[0]["findings"]
    build_dirs = list((work / "cache" / "cppcheck").glob("*/files.txt"))
    assert len(build_dirs) == 1


def test_concurrent_writers_never_leave_half_an_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResultCache(tmp_path / "cache")
    findings = [
        Finding(
            file=f"src/{i}.cpp",
            line=i + 1,
            rule="r",
            message="m" * 200,
            severity="note",
            tool_severity="style",
        )
        for i in range(200)
    ]
    seen: list[int | None] = []

    def write() -> None:
        for _ in range(20):
            cache.store("tool", "ab" * 32, findings)

    def read() -> None:
        for _ in range(200):
            loaded = cache.load("tool", "ab" * 32)
            seen.append(None if loaded is None else len(loaded))

    threads = [threading.Thread(target=write) for _ in range(4)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Every read saw no entry yet or the whole one: never a part of one.
    assert set(seen) <= {None, 200}
    assert not [r for r in caplog.records if "unreadable" in r.getMessage()]
    assert len(cache.load("tool", "ab" * 32) or []) == 200
    folder = tmp_path / "cache" / "results" / "tool" / "ab"
    assert [p.name for p in folder.iterdir()] == [f"{'ab' * 32}.json"]  # no temp file left


def test_a_cache_folder_that_cannot_be_created_is_exit_2_naming_it(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(blocker / "cache"))
    result = cli("--workdir", tmp_path / "w", "precheck", "--repo", repo.root)
    assert result.exit_code == 2
    assert "CIPIPE_CACHE_DIR" in result.stderr and str(blocker / "cache") in result.stderr
    assert not (tmp_path / "w" / "precheck.json").exists()
