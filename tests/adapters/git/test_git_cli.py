from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.git.cli import GitCli
from cipipe.adapters.git.interface import GitError
from tests.support.gitrepo import GitRepoBuilder

Factory = Callable[[str], GitRepoBuilder]


def test_commit_info_and_branch(make_repo: Factory) -> None:
    repo = make_repo("r")
    first = repo.commit("first\n\nbody line", {"a.txt": "a"})
    git = GitCli(repo.root)
    info = git.commit_info(first)
    assert info.sha == first
    assert (info.author_name, info.author_email) == ("Ada Lovelace", "ada@example.com")
    assert info.committer_time == 1_767_348_000 + 3600
    assert info.message == "first\n\nbody line"
    assert git.current_branch() == "main"
    assert git.resolve_commit("HEAD") == first


def test_subfolder_resolves_to_toplevel(make_repo: Factory) -> None:
    repo = make_repo("r")
    repo.commit("c", {"src/x.cpp": "int x;\n"})
    assert GitCli(repo.root / "src").root == repo.root.resolve()


def test_detached_head_has_no_branch(make_repo: Factory) -> None:
    repo = make_repo("r")
    first = repo.commit("one", {"a": "1"})
    repo.commit("two", {"a": "2"})
    repo.git("checkout", "-q", "--detach", first)
    git = GitCli(repo.root)
    assert git.current_branch() is None
    assert git.resolve_commit("HEAD") == first


def test_not_a_repository_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        GitCli(tmp_path)


def test_missing_folder_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="folder not found"):
        GitCli(tmp_path / "nope")


def test_unknown_revision(make_repo: Factory) -> None:
    repo = make_repo("r")
    repo.commit("one", {"a": "1"})
    with pytest.raises(GitError, match="unknown revision 'deadbeef'"):
        GitCli(repo.root).resolve_commit("deadbeef")


def test_dirty_ignores_untracked(make_repo: Factory) -> None:
    repo = make_repo("r")
    repo.commit("one", {"a": "1"})
    git = GitCli(repo.root)
    repo.write("untracked.txt", "x")
    assert not git.is_dirty()
    repo.write("a", "changed")
    assert git.is_dirty()


def test_remote_url_loses_credentials(make_repo: Factory) -> None:
    repo = make_repo("r")
    repo.commit("one", {"a": "1"})
    repo.git("remote", "add", "origin", "https://bot:s3cr3t-token@git.example.com/team/svc.git")
    assert GitCli(repo.root).remote_url() == "https://git.example.com/team/svc.git"


def test_changed_files_follow_renames_and_skip_deletions(make_repo: Factory) -> None:
    repo = make_repo("r")
    base = repo.commit("base", {"a.cpp": "int a;\n" * 20, "gone.cpp": "int g;\n", "keep.h": "x"})
    (repo.root / "gone.cpp").unlink()
    repo.git("mv", "a.cpp", "renamed.cpp")
    head = repo.commit("change", {"new file.cpp": "int n;\n"})
    git = GitCli(repo.root)
    assert sorted(git.changed_files(base, head)) == ["new file.cpp", "renamed.cpp"]
    assert git.merge_base("main", head) == head


def test_submodules_initialised_uninitialised_modified_and_nested(make_repo: Factory) -> None:
    lib = make_repo("lib")
    lib.commit("lib v1", {"lib.c": "int lib;\n"})
    inner = make_repo("inner")
    inner_sha = inner.commit("inner", {"inner.c": "int inner;\n"})
    lib.git("submodule", "add", "-q", str(inner.root), "vendor/inner")
    lib_v2 = lib.commit("lib v2 with inner")
    other = make_repo("other")
    other_sha = other.commit("other", {"o.c": "int o;\n"})

    top = make_repo("top")
    top.commit("top", {"main.c": "int main(void){return 0;}\n"})
    top.git("submodule", "add", "-q", str(lib.root), "third_party/lib")
    top.git("submodule", "add", "-q", str(other.root), "third party/other")
    top.git("submodule", "update", "--init", "--recursive", "-q")
    top.commit("add submodules")
    # Make one uninitialised: deinit keeps the gitlink, removes the checkout.
    top.git("submodule", "deinit", "-q", "-f", "third party/other")
    # Move the lib checkout away from the recorded commit.
    lib_v3 = lib.commit("lib v3", {"lib.c": "int lib3;\n"})
    lib_checkout = GitRepoBuilder(top.root / "third_party/lib", init=False)
    lib_checkout.git("fetch", "-q", "origin")
    lib_checkout.git("checkout", "-q", lib_v3)

    subs = {s.path: s for s in GitCli(top.root).submodules()}
    assert set(subs) == {"third_party/lib", "third_party/lib/vendor/inner", "third party/other"}
    lib_status = subs["third_party/lib"]
    assert lib_status.state == "modified"
    assert lib_status.recorded == lib_v2
    assert lib_status.checked_out == lib_v3
    assert lib_status.url == str(lib.root)
    other_status = subs["third party/other"]
    assert other_status.state == "uninitialized"
    assert other_status.recorded == other_sha
    assert other_status.checked_out is None
    assert other_status.url == str(other.root)
    nested = subs["third_party/lib/vendor/inner"]
    assert nested.recorded == inner_sha
    assert nested.state == "in-sync"
    assert nested.url == str(inner.root)


def test_no_submodules(make_repo: Factory) -> None:
    repo = make_repo("r")
    repo.commit("one", {"a": "1"})
    assert GitCli(repo.root).submodules() == []
