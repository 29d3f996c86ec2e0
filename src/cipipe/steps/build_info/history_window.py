"""The commits of a batch that only some of its changes see, with who reaches what as bitsets.

A batch reads the history all its changes share once (the tally); what lies between that
floor and each change differs per change. Walking a change's ancestors in the window would
cost the window's size per change (quadratic over a backtest's stretch), so each window
commit gets a bit and the set of its ancestors in the window (itself included) is one integer;
a change then only looks at the window commits that touched its files or were made by its
author, and keeps those its base reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cipipe.adapters.git.history import LoggedCommit


class HistoryWindow:
    def __init__(self, commits: Sequence[LoggedCommit]) -> None:
        self.commits = list(commits)
        self._index = {c.sha: i for i, c in enumerate(self.commits)}
        self._by_path: dict[str, list[int]] = {}
        self._by_author: dict[str, list[int]] = {}
        for i, commit in enumerate(self.commits):
            for path in commit.paths:
                self._by_path.setdefault(path, []).append(i)
            if commit.paths:
                self._by_author.setdefault(commit.author_email.lower(), []).append(i)
        self._reach = self._ancestry()

    def reach(self, sha: str | None) -> int:
        """The window commits ``sha`` reaches, itself included, as bits; 0 outside the window
        (everything such a commit reaches is in the shared tally, or there is nothing)."""
        index = self._index.get(sha) if sha is not None else None
        return self._reach[index] if index is not None else 0

    def relevant(self, reach: int, paths: Iterable[str], author: str) -> list[LoggedCommit]:
        """The commits of ``reach`` that changed one of ``paths`` or were made by ``author``,
        oldest bit first (the tally's sums do not depend on the order)."""
        wanted = set(self._by_author.get(author.lower(), ()))
        for path in paths:
            wanted.update(self._by_path.get(path, ()))
        return [self.commits[i] for i in sorted(wanted) if reach >> i & 1]

    def members(self, bits: int) -> list[str]:
        """The commit ids of ``bits``."""
        found = []
        while bits:
            low = bits & -bits
            found.append(self.commits[low.bit_length() - 1].sha)
            bits ^= low
        return found

    def _ancestry(self) -> list[int]:
        """Per commit, the bits of its ancestors in the window, parents first (an explicit
        stack: a history is deeper than Python's recursion limit)."""
        reach: list[int | None] = [None] * len(self.commits)
        for start in range(len(self.commits)):
            stack = [start]
            while stack:
                i = stack[-1]
                if reach[i] is not None:
                    stack.pop()
                    continue
                parents = [self._index[p] for p in self.commits[i].parents if p in self._index]
                pending = [p for p in parents if reach[p] is None]
                if pending:
                    stack.extend(pending)
                    continue
                bits = 1 << i
                for p in parents:
                    bits |= reach[p] or 0
                reach[i] = bits
                stack.pop()
        return [bits or 0 for bits in reach]
