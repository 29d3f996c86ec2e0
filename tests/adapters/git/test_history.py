from __future__ import annotations

from pathlib import Path

import pytest

from cipipe.adapters.git.history import (
    FileChange,
    diff_commits,
    iter_log,
    line_counts,
    merge_bases,
    read_commits,
)
from cipipe.adapters.git.interface import GitError
from tests.steps.build_info.scripted import BOB, History, build, t
from tests.support.gitrepo import GitRepoBuilder


def diff_files(repo: Path, base: str, commit: str) -> list[FileChange]:
    """``base..commit`` through the batch diff, by full ids as the batch asks."""
    full = [GitRepoBuilder(repo, init=False).git("rev-parse", r).strip() for r in (commit, base)]
    return diff_commits(repo, [(full[0], full[1])])[0]


@pytest.fixture
def history(tmp_path: Path) -> History:
    return build(GitRepoBuilder(tmp_path / "repo"))


def test_diff_files_follows_renames_and_flags_binaries(history: History) -> None:
    changes = diff_files(history.repo, history.c[4], history.c[5])
    by_path = {c.path: c for c in changes}
    assert by_path["lib/util.c"] == FileChange("lib/util.c", "src/util.c", "R", 0, 0, False)
    assert by_path["logo.png"] == FileChange("logo.png", None, "A", None, None, True)
    assert by_path["docs/guide.md"].status == "D"
    assert by_path["src/app.c"] == FileChange("src/app.c", "src/app.c", "M", 2, 1, False)
    assert by_path["logo.png"].old_blob is None
    assert by_path["lib/util.c"].old_blob is not None


def test_line_counts_of_old_blobs(history: History) -> None:
    blobs = [c.old_blob for c in diff_files(history.repo, history.c[5], history.c[6])]
    counts = line_counts(history.repo, [b for b in blobs if b] + ["0" * 40])  # one missing
    assert sorted(counts.values()) == [2, 3]  # lib/util.c "u1\nU2\n", parse.c "p1\np2\np3\n"
    assert line_counts(history.repo, []) == {}


def test_line_counts_count_a_last_line_without_newline(tmp_path: Path) -> None:
    repo = GitRepoBuilder(tmp_path / "r")
    repo.commit("one", {"a": "x\ny", "b": "", "c": "\n\n"})
    repo.commit("two", {"a": "z", "b": "q", "c": "r"})
    olds = {c.path: c.old_blob or "" for c in diff_files(repo.root, "HEAD~", "HEAD")}
    counts = line_counts(repo.root, olds.values())
    assert [counts[olds[p]] for p in ("a", "b", "c")] == [2, 0, 2]


def test_diff_commits_merge_against_first_parent_and_root(history: History) -> None:
    diffs = diff_commits(
        history.repo, [(history.c[9], history.c[6]), (history.c[1], None), (history.c[8], None)]
    )
    assert {c.path for c in diffs[0]} == {"src/parse.c", "logo.png"}
    assert len(diffs[1]) == 4
    assert diffs[2] != []  # against the empty tree: every file
    with pytest.raises(GitError, match="full commit id"):
        diff_commits(history.repo, [("HEAD", None)])


def test_diff_commits_in_the_order_asked_even_twice(history: History) -> None:
    c = history.c
    pairs = [(c[6], c[5]), (c[6], c[1]), (c[5], c[4]), (c[6], c[5])]
    diffs = diff_commits(history.repo, pairs)
    alone = [diff_commits(history.repo, [pair])[0] for pair in pairs]
    assert diffs == alone  # a commit asked again is diffed against its own base
    assert [len(d) for d in diffs] == [2, 6, 4, 2]
    assert diffs[0] != diffs[1]


def test_log_lists_every_commit_a_merge_brings(history: History) -> None:
    logged = list(iter_log(history.repo, [history.c[9]]))
    assert [c.sha for c in logged][:3] == [history.c[n] for n in (9, 8, 7)]
    assert logged[0].paths == ()  # a merge changes no file in a log
    assert len(logged[0].parents) == 2
    assert logged[1].author_email == BOB[1]
    assert logged[1].time == t(8)
    assert logged[1].paths == ("logo.png",)


def test_log_excludes_and_renames_are_two_paths(history: History) -> None:
    logged = list(iter_log(history.repo, [history.c[5], f"^{history.c[4]}"]))
    assert [c.sha for c in logged] == [history.c[5]]
    assert set(logged[0].paths) == {
        "docs/guide.md",
        "lib/util.c",
        "logo.png",
        "src/app.c",
        "src/util.c",
    }


def test_read_commits_range_and_named(history: History) -> None:
    in_range = read_commits(history.repo, [history.c[9], f"^{history.c[6]}"])
    assert [c.info.sha for c in in_range] == [history.c[n] for n in (9, 8, 7)]
    assert in_range[1].info.message == "bugfix: logo colours"
    assert in_range[1].info.author_name == BOB[0]
    named = read_commits(history.repo, ["HEAD~1", history.c[2]], walk=False)
    assert [c.info.sha for c in named] == [history.c[6], history.c[2]]
    assert named[1].parents == (history.c[1],)


def test_merge_bases(history: History, tmp_path: Path) -> None:
    assert merge_bases(history.repo, [history.c[8], history.c[6]]) == [history.c[6]]
    other = GitRepoBuilder(tmp_path / "other")
    other.commit("x", {"x": "1"})
    history_builder = GitRepoBuilder(history.repo, init=False)
    history_builder.git("fetch", "-q", str(other.root), "main:unrelated")
    assert merge_bases(history.repo, [history.c[6], "unrelated"]) == []


@pytest.mark.parametrize("rev", ["--output=/tmp/x", "-p", "", "a\nb"])
def test_option_like_revisions_are_refused(history: History, rev: str) -> None:
    with pytest.raises(GitError, match="full commit id"):
        diff_commits(history.repo, [(rev, None)])
    with pytest.raises(GitError, match="not a revision"):
        list(iter_log(history.repo, [rev]))


def test_unknown_revision_and_missing_folder(history: History, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git diff-tree failed"):
        diff_commits(history.repo, [(history.c[2], "0" * 40)])
    with pytest.raises(GitError, match="folder not found"):
        diff_commits(tmp_path / "missing", [(history.c[2], None)])


def test_unfinished_log_stops_git(history: History) -> None:
    logs = iter_log(history.repo, [history.c[9]])
    assert next(logs).sha == history.c[9]
    logs.close()  # the generator's finally kills the process; no error, no zombie


def test_odd_file_names_round_trip(tmp_path: Path) -> None:
    repo = GitRepoBuilder(tmp_path / "r")
    name = "dir with space/ä [x] *.c"
    repo.commit("one", {name: "1\n", "dir with space/plain.c": "p\n"})
    repo.commit("two", {name: "1\n2\n"})
    changes = diff_files(repo.root, "HEAD~", "HEAD")
    assert changes == [FileChange(name, name, "M", 1, 0, False)]
    logged = list(iter_log(repo.root, ["HEAD"]))
    assert [c.paths for c in logged] == [(name,), ("dir with space/plain.c", name)]
