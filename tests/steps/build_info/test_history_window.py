"""The batch's window: which window commits each commit reaches, as bits."""

from __future__ import annotations

from cipipe.adapters.git.history import LoggedCommit
from cipipe.steps.build_info.history_tally import HistoryTally
from cipipe.steps.build_info.history_window import HistoryWindow


def _commit(sha: str, parents: str = "", paths: str = "", email: str = "a@x") -> LoggedCommit:
    return LoggedCommit(sha, tuple(parents.split()), email, ord(sha[0]), tuple(paths.split()))


# Newest first, as git log lists them: d merges b (branch) into c; a's parent "z" is outside.
WINDOW = [
    _commit("d", "c b"),
    _commit("c", "a", "x.c", "Bob@X"),
    _commit("b", "a", "x.c y.c"),
    _commit("a", "z", "y.c"),
]


def test_reach_follows_every_parent_and_stops_at_the_window() -> None:
    window = HistoryWindow(WINDOW)
    assert sorted(window.members(window.reach("d"))) == ["a", "b", "c", "d"]
    assert sorted(window.members(window.reach("c"))) == ["a", "c"]
    assert window.reach("z") == 0  # outside: all it reaches is in the shared tally
    assert window.reach(None) == 0
    only_branch = window.reach("d") & ~window.reach("c")
    assert sorted(window.members(only_branch)) == ["b", "d"]


def test_relevant_commits_touch_the_paths_or_are_the_authors() -> None:
    window = HistoryWindow(WINDOW)
    assert [c.sha for c in window.relevant(window.reach("c"), ["y.c"], "nobody")] == ["a"]
    assert [c.sha for c in window.relevant(window.reach("d"), ["x.c"], "nobody")] == ["c", "b"]
    assert [c.sha for c in window.relevant(window.reach("d"), [], "bob@x")] == ["c"]


def test_a_long_chain_needs_no_recursion() -> None:
    chain = [_commit(f"{n:06d}", f"{n - 1:06d}" if n else "", "f") for n in range(5000)]
    window = HistoryWindow(list(reversed(chain)))
    assert window.reach("004999") == (1 << 5000) - 1


def test_a_tally_of_every_path() -> None:
    tally = HistoryTally(None, ["a@x"])
    for commit in reversed(WINDOW):
        tally.add(commit)
    assert {p: s.changes for p, s in tally.paths.items()} == {"x.c": 2, "y.c": 2}
    assert tally.paths["x.c"].authors == {"a@x", "bob@x"}
    assert tally.author("A@X").file_changes == 3  # a: y.c; b: x.c, y.c
    limited = HistoryTally(["x.c"], [])
    for commit in WINDOW:
        limited.add(commit)
    assert list(limited.paths) == ["x.c"]
