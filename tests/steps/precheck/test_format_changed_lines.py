"""clang-format with --scope changed judges the lines the change touches, as
``git clang-format --diff <merge-base>`` does; the whole files' count is information only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import CliResult, needs_tools
from tests.support.gitrepo import GitRepoBuilder

pytestmark = needs_tools
Cli = Callable[..., CliResult]

CONFIG = (
    "service: demo\nsupports: [linux]\n"
    "precheck:\n  cppcheck: {enabled: false}\n  clang-tidy: {enabled: false}\n"
)
# An old file in another style: lines 1 and 3 break LLVM style, line 2 keeps it.
OLD = "int  first( ) {return 1;}\nint second() { return 2; }\nint  third( ) {return 3;}\n"


def _repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("legacy")
    repo.commit(
        "legacy code",
        {".cipipe.yaml": CONFIG, ".clang-format": "BasedOnStyle: LLVM\n", "src/old.cpp": OLD},
    )
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _precheck(cli: Cli, repo: GitRepoBuilder, work: Path, scope: str) -> CliResult:
    argv = ["--workdir", work, "precheck", "--repo", repo.root, "--target-branch", "main"]
    return cli(*argv, "--scope", scope)


def _format(work: Path) -> dict[str, Any]:
    report = json.loads((work / "precheck.json").read_text())
    return dict(next(c for c in report["checks"] if c["name"] == "clang-format"))


def test_touching_a_formatted_line_of_an_unformatted_file_passes(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _repo(make_repo)
    repo.commit("edit line 2", {"src/old.cpp": OLD.replace("return 2;", "return 22;")})
    work = tmp_path / "w"
    result = _precheck(cli, repo, work, "changed")
    assert result.exit_code == 0, result.stderr
    check = _format(work)
    assert (check["status"], check["passed"], check["lines"]) == ("ran", True, "changed")
    assert check["findings"] == [] and check["failing"] == 0
    whole = check["whole_files"]
    assert whole["files"] == 1 and whole["findings"] >= 4  # lines 1 and 3, for information
    note = f"the whole files hold {whole['findings']} finding(s) in 1 file(s), not judged"
    assert note in check["note"]
    assert f"clang-format: ran (judged on the changed lines; {note})" in result.stderr


def test_a_change_that_adds_a_badly_formatted_line_fails_naming_it(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _repo(make_repo)
    added = OLD.replace("int second()", "int  added( ){return 0;}\nint second()")
    repo.commit("add a line", {"src/old.cpp": added})
    work = tmp_path / "w"
    result = _precheck(cli, repo, work, "changed")
    assert result.exit_code == 1, result.stderr
    check = _format(work)
    assert not check["passed"] and check["lines"] == "changed"
    assert {(f["file"], f["line"]) for f in check["findings"]} == {("src/old.cpp", 2)}
    assert check["whole_files"]["findings"] > len(check["findings"])
    assert "precheck failed: clang-format" in result.stderr


def test_scope_all_judges_the_whole_files(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _repo(make_repo)
    repo.commit("edit line 2", {"src/old.cpp": OLD.replace("return 2;", "return 22;")})
    work = tmp_path / "w"
    assert _precheck(cli, repo, work, "all").exit_code == 1
    check = _format(work)
    assert check["lines"] == "all" and check["whole_files"] is None and check["note"] is None
    assert {f["line"] for f in check["findings"]} == {1, 3}


def test_a_rerun_from_the_cache_keeps_the_changed_lines_verdict_and_the_whole_files(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _repo(make_repo)
    added = OLD.replace("int second()", "int  added( ){return 0;}\nint second()")
    repo.commit("add a line", {"src/old.cpp": added})
    work = tmp_path / "w"
    assert _precheck(cli, repo, work, "changed").exit_code == 1
    first = _format(work)
    assert first["files_from_cache"] == 0
    assert _precheck(cli, repo, work, "changed").exit_code == 1
    again = _format(work)
    assert again["files_from_cache"] == 1  # clang-format did not run again
    for field in ("findings", "lines", "whole_files", "note", "passed", "reason"):
        assert again[field] == first[field], field
    # The whole-file run of the same file is another result, not the changed lines' one.
    assert _precheck(cli, repo, work, "all").exit_code == 1
    whole = _format(work)
    assert whole["files_from_cache"] == 0 and whole["lines"] == "all"
    assert {f["line"] for f in whole["findings"]} == {1, 2, 4}
