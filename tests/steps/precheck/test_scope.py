"""precheck's scope when none is asked for: the change of a pull request, everything otherwise;
the choice and its reason are logged and recorded in precheck.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, needs_tools
from tests.support.gitrepo import GitRepoBuilder

pytestmark = needs_tools
Cli = Callable[..., CliResult]

ONLY_FORMAT = "precheck:\n  cppcheck: {enabled: false}\n  clang-tidy: {enabled: false}\n"


def _feature_branch(make_repo: Callable[[str], GitRepoBuilder], config: str = "") -> Path:
    """main with two files; the branch feature (checked out) changes one of them."""
    repo = make_repo("pr")
    repo.commit(
        "two files",
        {
            ".cipipe.yaml": f"service: demo\nsupports: [linux]\n{ONLY_FORMAT}{config}",
            ".clang-format": "BasedOnStyle: LLVM\n",
            "src/a.cpp": "int a() { return 1; }\n",
            "src/b.cpp": "int b() { return 2; }\n",
        },
    )
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("change a", {"src/a.cpp": "int a() { return 3; }\n"})
    return repo.root


def _report(cli: Cli, repo: Path, work: Path, *extra: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli("--workdir", work, "precheck", "--repo", repo, *extra)
    assert result.exit_code == 0, result.stderr
    report = json.loads((work / "precheck.json").read_text())
    return result, report


def _files_checked(report: dict[str, Any]) -> int:
    return int(next(c for c in report["checks"] if c["name"] == "clang-format")["files_checked"])


def test_a_jenkins_pull_request_checks_its_change(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, monkeypatch: Any
) -> None:
    repo = _feature_branch(make_repo)
    monkeypatch.setenv("CHANGE_ID", "7")
    monkeypatch.setenv("CHANGE_TARGET", "main")
    result, report = _report(cli, repo, tmp_path / "w")
    assert report["scope"] == "changed"
    assert report["scope_reason"] == "default for pull request 7 (CHANGE_ID)"
    assert _files_checked(report) == 1
    assert "precheck: scope changed (default for pull request 7 (CHANGE_ID))" in result.stderr


def test_a_branch_build_checks_everything(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    result, report = _report(cli, _feature_branch(make_repo), tmp_path / "w")
    assert (report["scope"], report["scope_reason"]) == ("all", "default for a branch build")
    assert _files_checked(report) == 2
    assert "precheck: scope all (default for a branch build)" in result.stderr


def test_a_github_pull_request_checks_its_change(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, monkeypatch: Any
) -> None:
    repo = _feature_branch(make_repo)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    _, report = _report(cli, repo, tmp_path / "w")
    assert report["scope"] == "changed"
    assert report["scope_reason"] == "default for a pull request (GITHUB_EVENT_NAME=pull_request)"
    assert _files_checked(report) == 1  # against the parent: no target branch is known


def test_a_target_branch_flag_makes_a_pull_request(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = _feature_branch(make_repo)
    _, report = _report(cli, repo, tmp_path / "w", "--target-branch", "main")
    assert report["scope"] == "changed"
    assert report["scope_reason"] == "default for a pull request into main (--target-branch)"


@pytest.mark.parametrize(
    ("config", "flag", "reason"),
    [
        ("  scope: all\n", (), "precheck.scope in .cipipe.yaml"),
        ("", ("--scope", "all"), "--scope all"),
    ],
)
def test_an_asked_for_scope_wins_over_the_pull_request_default(
    cli: Cli,
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    monkeypatch: Any,
    config: str,
    flag: tuple[str, ...],
    reason: str,
) -> None:
    repo = _feature_branch(make_repo, config)
    monkeypatch.setenv("CHANGE_ID", "7")
    monkeypatch.setenv("CHANGE_TARGET", "main")
    _, report = _report(cli, repo, tmp_path / "w", *flag)
    assert (report["scope"], report["scope_reason"]) == ("all", reason)
    assert _files_checked(report) == 2


def test_a_default_scope_does_not_stop_on_an_unfetched_target(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, monkeypatch: Any
) -> None:
    """Only a --scope changed asked for stops (exit 2) when the target branch is not fetched;
    the default warns and takes the next rule (here the parent)."""
    repo = _feature_branch(make_repo)
    monkeypatch.setenv("CHANGE_ID", "7")
    monkeypatch.setenv("CHANGE_TARGET", "not-fetched")
    result, report = _report(cli, repo, tmp_path / "w")
    assert report["scope"] == "changed" and _files_checked(report) == 1
    assert "cannot find target branch 'not-fetched'" in result.stderr
    asked = cli("--workdir", tmp_path / "w2", "precheck", "--repo", repo, "--scope", "changed")
    assert asked.exit_code == 2
