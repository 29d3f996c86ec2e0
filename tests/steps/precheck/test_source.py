from __future__ import annotations

from collections.abc import Callable

import pytest

from cipipe.adapters.git.cli import GitCli
from cipipe.steps.precheck.source import SourceFlags, resolve_source
from tests.support.gitrepo import GitRepoBuilder

Factory = Callable[[str], GitRepoBuilder]


@pytest.fixture
def repo(make_repo: Factory) -> GitRepoBuilder:
    repo = make_repo("svc")
    repo.commit("first", {"a.cpp": "int a;\n"})
    repo.commit("Fix the frobnicator", {"a.cpp": "int a = 1;\n"}, author=("Grace", "g@x.org"))
    return repo


def test_values_from_git_with_provenance(repo: GitRepoBuilder) -> None:
    source = resolve_source(GitCli(repo.root), {}, SourceFlags())
    assert source.commit == repo.head()
    assert source.branch == "main"
    assert source.author is not None and source.author.name == "Grace"
    assert source.author.email == "g@x.org"
    assert source.message == "Fix the frobnicator"
    assert source.commit_time.isoformat() == "2026-01-02T12:00:00+00:00"
    assert source.pr_id is None and source.target_branch is None
    assert source.provenance["commit"] == "git"
    assert source.provenance["branch"] == "git"
    assert source.provenance["pr_id"] == "none"
    assert not source.detached_head and not source.dirty
    assert source.warnings == []


def test_flags_beat_git_and_jenkins(repo: GitRepoBuilder) -> None:
    first = repo.git("rev-parse", "HEAD~1").strip()
    env = {"CHANGE_ID": "99", "CHANGE_TARGET": "develop", "BRANCH_NAME": "PR-99"}
    flags = SourceFlags(commit=first[:10], branch="release/1.x", pr_id="7", target_branch="main")
    source = resolve_source(GitCli(repo.root), env, flags)
    assert source.commit == first
    assert source.message == "first"
    assert (source.branch, source.pr_id, source.target_branch) == ("release/1.x", "7", "main")
    assert {source.provenance[k] for k in ("commit", "branch", "pr_id", "target_branch")} == {
        "flag"
    }


def test_jenkins_pr_build_on_detached_head(repo: GitRepoBuilder) -> None:
    repo.git("checkout", "-q", "--detach", "HEAD")
    env = {
        "GIT_COMMIT": repo.head(),
        "BRANCH_NAME": "PR-12",
        "CHANGE_ID": "12",
        "CHANGE_BRANCH": "feature/login",
        "CHANGE_TARGET": "main",
        "GIT_URL": "https://jenkins:tok-123456@git.example.com/team/svc.git",
    }
    source = resolve_source(GitCli(repo.root), env, SourceFlags())
    assert source.detached_head
    assert source.branch == "feature/login"
    assert source.provenance["branch"] == "jenkins"
    assert (source.pr_id, source.target_branch) == ("12", "main")
    assert source.provenance["pr_id"] == "jenkins"
    assert source.repo_url == "https://git.example.com/team/svc.git"
    assert source.provenance["repo_url"] == "jenkins"
    assert source.warnings == []


def test_git_branch_from_jenkins_git_branch_strips_remote(repo: GitRepoBuilder) -> None:
    repo.git("checkout", "-q", "--detach", "HEAD")
    source = resolve_source(GitCli(repo.root), {"GIT_BRANCH": "origin/hotfix/x"}, SourceFlags())
    assert source.branch == "hotfix/x"


def test_jenkins_disagreeing_with_git_warns_and_git_wins(repo: GitRepoBuilder) -> None:
    shared_library_commit = "0123456789abcdef0123456789abcdef01234567"
    env = {"GIT_COMMIT": shared_library_commit, "BRANCH_NAME": "develop"}
    source = resolve_source(GitCli(repo.root), env, SourceFlags())
    assert source.commit == repo.head()
    assert source.branch == "main"
    assert len(source.warnings) == 2
    assert shared_library_commit in source.warnings[0]
    assert "shared library" in source.warnings[0]
    assert "'develop'" in source.warnings[1] and "'main'" in source.warnings[1]


def test_uninitialised_submodule_is_recorded_and_flagged(make_repo: Factory) -> None:
    dep = make_repo("dep")
    dep_sha = dep.commit("dep", {"dep.c": "int d;\n"})
    top = make_repo("top")
    top.commit("top", {"main.c": "int m;\n"})
    top.git("submodule", "add", "-q", str(dep.root), "ext/dep")
    top.commit("add dep")
    top.git("submodule", "deinit", "-q", "-f", "ext/dep")
    source = resolve_source(GitCli(top.root), {}, SourceFlags())
    [sub] = source.submodules
    assert (sub.path, sub.commit, sub.state, sub.checked_out) == (
        "ext/dep",
        dep_sha,
        "uninitialized",
        None,
    )
    assert any("ext/dep is not initialised" in w for w in source.warnings)


def test_jenkins_names_the_author_only_when_git_recorded_none(repo: GitRepoBuilder) -> None:
    env = {
        "CHANGE_AUTHOR": "ghopper",
        "CHANGE_AUTHOR_DISPLAY_NAME": "Grace Hopper",
        "CHANGE_AUTHOR_EMAIL": "grace@example.org",
    }
    from_git = resolve_source(GitCli(repo.root), env, SourceFlags())
    assert from_git.author is not None and from_git.author.name == "Grace"
    assert from_git.provenance["author"] == "git"
    # git refuses an empty author name on commit, but an imported history can hold one: write
    # the commit object by hand.
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    raw = (
        f"tree {tree}\nparent {repo.head()}\n"
        "author <> 1767355200 +0000\ncommitter <> 1767355200 +0000\n\nimported\n"
    )
    (repo.root / ".git" / "nameless-commit").write_text(raw)
    sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", ".git/nameless-commit")
    repo.git("update-ref", "refs/heads/main", sha.strip())
    nameless = resolve_source(GitCli(repo.root), env, SourceFlags())
    assert nameless.commit == sha.strip()
    assert nameless.author is not None
    assert (nameless.author.name, nameless.author.email) == ("Grace Hopper", "grace@example.org")
    assert nameless.provenance["author"] == "jenkins"
    only_the_id = resolve_source(GitCli(repo.root), {"CHANGE_AUTHOR": "ghopper"}, SourceFlags())
    assert only_the_id.author is not None
    assert (only_the_id.author.name, only_the_id.author.email) == ("ghopper", None)
