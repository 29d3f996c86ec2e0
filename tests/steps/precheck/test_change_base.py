"""One definition of "the change": precheck decides its start once, records it in source.json,
and precheck --scope changed and build-info both diff from it. Real repositories and a real
SQLite history store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import open_store
from tests.conftest import CliResult, needs_tools
from tests.support.gitrepo import GitRepoBuilder

pytestmark = needs_tools
Cli = Callable[..., CliResult]
# clang-format alone: the quickest check that still reports how many files it looked at.
CONFIG = """\
service: svc
supports: [linux]
precheck:
  cppcheck: {enabled: false}
  clang-tidy: {enabled: false}
"""
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("svc")
    repo.commit(
        "init",
        {
            ".cipipe.yaml": CONFIG,
            ".clang-format": "BasedOnStyle: LLVM\n",
            "src/a.cpp": "int a();\n",
            "src/b.cpp": "int b();\n",
        },
    )
    return repo


def precheck(cli: Cli, repo: GitRepoBuilder, work: Path, *extra: str) -> dict[str, Any]:
    result = cli("--workdir", work, "precheck", "--repo", repo.root, *extra)
    assert result.exit_code == 0, result.stderr
    source: dict[str, Any] = json.loads((work / "source.json").read_text())
    return source


def checked(work: Path) -> int:
    report = json.loads((work / "precheck.json").read_text())
    count: int = next(c for c in report["checks"] if c["name"] == "clang-format")["files_checked"]
    return count


def build_range(cli: Cli, repo: GitRepoBuilder, work: Path, db: Path) -> dict[str, Any]:
    result = cli("--workdir", work, "build-info", "--repo", repo.root, "--db", db)
    assert result.exit_code == 0, result.stderr
    changes: dict[str, Any] = json.loads((work / "build-info.json").read_text())["changes"]
    return changes


def record(db: Path, *builds: tuple[str, str, str | None, str]) -> None:
    """(build id, result, commit, branch), oldest first."""
    store = open_store(str(db), default_path=db)
    try:
        for index, (build_id, result, commit, branch) in enumerate(builds):
            store.record_build(
                BuildRecord(
                    service="svc",
                    build_id=build_id,
                    started_at=START + timedelta(hours=index),
                    result=result,  # type: ignore[arg-type]
                    source="cipipe",
                    commit=commit,
                    branch=branch,
                )
            )
    finally:
        store.close()


def test_a_pull_request_starts_at_its_merge_base(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    fork = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("one", {"src/c.cpp": "int c();\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"src/a.cpp": "int a(int);\n"})
    repo.git("checkout", "-q", "feature")
    repo.commit("two", {"src/d.cpp": "int d();\n"})
    work = tmp_path / "w"
    source = precheck(cli, repo, work, "--pr", "7", "--target-branch", "main", "--scope", "changed")
    assert source["change_base"] == {
        "commit": fork,
        "found": "merge-base",
        "target_branch": "main",
        "build_id": None,
    }
    assert checked(work) == 2  # c.cpp and d.cpp; a.cpp changed on main only
    changes = build_range(cli, repo, work, tmp_path / "h.sqlite3")
    assert changes["range"] == {"base": fork, "commit": repo.head(), "source": "merge-base"}
    assert sorted(f["path"] for f in changes["files"]) == ["src/c.cpp", "src/d.cpp"]


def test_a_branch_starts_at_its_last_successful_build(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    first = repo.head()
    built = repo.commit("built and shipped", {"src/c.cpp": "int c();\n"})
    broken = repo.commit("built, failed", {"src/d.cpp": "int d();\n"})
    repo.git("checkout", "-q", "-b", "elsewhere")
    aside = repo.commit("another line of work", {"src/x.cpp": "int x();\n"})
    repo.git("checkout", "-q", "main")
    head = repo.commit("this build", {"src/e.cpp": "int e();\n"})
    db = tmp_path / "history.sqlite3"
    record(
        db,
        ("40", "success", first, "main"),
        ("41", "success", built, "main"),
        ("42", "failure", broken, "main"),  # not successful
        ("43", "success", broken, "other"),  # another branch
        ("44", "success", aside, "main"),  # not an ancestor of this commit
        ("45", "success", None, "main"),  # a backfilled build without its commit
    )
    work = tmp_path / "w"
    source = precheck(cli, repo, work, "--db", str(db), "--scope", "changed")
    assert source["change_base"] == {
        "commit": built,
        "found": "previous-build",
        "target_branch": None,
        "build_id": "41",
    }
    assert checked(work) == 2  # d.cpp and e.cpp
    changes = build_range(cli, repo, work, db)
    assert changes["range"] == {"base": built, "commit": head, "source": "previous-build"}
    assert sorted(f["path"] for f in changes["files"]) == ["src/d.cpp", "src/e.cpp"]
    # Without a store the parent is the last resort; precheck creates no store of its own.
    plain = tmp_path / "plain" / "w"
    source = precheck(cli, repo, plain, "--scope", "changed")
    assert source["change_base"]["found"] == "parent"
    assert source["change_base"]["commit"] == broken
    assert checked(plain) == 1
    assert not (plain.parent / "cipipe-history.sqlite3").exists()


def test_a_first_commit_has_no_base(cli: Cli, repo: GitRepoBuilder, tmp_path: Path) -> None:
    work = tmp_path / "w"
    source = precheck(cli, repo, work, "--scope", "changed")
    assert source["change_base"] == {
        "commit": None,
        "found": "root",
        "target_branch": None,
        "build_id": None,
    }
    assert checked(work) == 2  # everything the commit holds
    changes = build_range(cli, repo, work, tmp_path / "h.sqlite3")
    assert changes["range"] == {"base": None, "commit": repo.head(), "source": "root"}


def test_an_unfetched_target_branch_warns_unless_changed_files_need_it(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    parent = repo.head()
    repo.commit("more", {"src/c.cpp": "int c();\n"})
    work = tmp_path / "w"
    source = precheck(cli, repo, work, "--target-branch", "release")
    assert source["change_base"] == {
        "commit": parent,
        "found": "parent",
        "target_branch": None,
        "build_id": None,
    }
    assert any("cannot find target branch 'release'" in w for w in source["warnings"])
    refused = cli(
        "--workdir", work, "precheck", "--repo", repo.root, "--target-branch", "release",
        "--scope", "changed",
    )  # fmt: skip
    assert refused.exit_code == 2
