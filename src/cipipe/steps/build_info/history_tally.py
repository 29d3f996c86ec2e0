"""Running totals over history commits, kept only for the files and authors a change needs.

The history metrics of a change (ndev, age, nuc, exp, rexp, sexp) only ask about the files it
touches and its author, so a tally keeps counters for those and drops every other commit as the
log streams by. The same tally serves one change (fed by a log limited to its paths and one
limited to its author) and a batch of commits (fed by one log of their common history, then
copied per commit and topped up with the few commits that differ).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from cipipe.adapters.git.history import LoggedCommit

SECONDS_PER_DAY = 86_400


@dataclass
class PathStats:
    changes: int = 0  # commits in the history that changed the path
    last: int | None = None  # committer time of the newest of them
    authors: set[str] = field(default_factory=set)  # their author emails, lower case


@dataclass
class AuthorStats:
    touches: list[tuple[int, int]] = field(default_factory=list)  # (time, files changed)
    paths: set[str] = field(default_factory=set)  # every path the author changed

    @property
    def file_changes(self) -> int:
        return sum(n for _, n in self.touches)

    def recent_file_changes(self, now: int) -> float:
        """File changes weighted 1 / (age in days + 1), as the ISSTA21 extraction does."""
        # fsum: the same value whatever order the commits were read in (one log or two).
        return math.fsum(n / (max(0, now - t) / SECONDS_PER_DAY + 1) for t, n in self.touches)


class HistoryTally:
    def __init__(self, paths: Iterable[str] | None, authors: Iterable[str]) -> None:
        """Counters for ``paths`` (None: every path a commit brings, so the history can be
        read before the changes' files are known) and ``authors``."""
        self.every_path = paths is None
        self.paths: dict[str, PathStats] = {p: PathStats() for p in paths or ()}
        self.authors: dict[str, AuthorStats] = {a.lower(): AuthorStats() for a in authors}

    def add(self, commit: LoggedCommit, *, files: bool = True, author: bool = True) -> None:
        """Count ``commit``; ``files=False`` or ``author=False`` when another log (limited to
        the author, or to the paths) feeds that side, so nothing is counted twice."""
        email = commit.author_email.lower()
        if files:
            for path in commit.paths:
                stats = self.paths.get(path)
                if stats is None and self.every_path:
                    stats = self.paths[path] = PathStats()
                if stats is not None:
                    stats.changes += 1
                    stats.last = commit.time if stats.last is None else max(stats.last, commit.time)
                    stats.authors.add(email)
        if author and commit.paths and (mine := self.authors.get(email)) is not None:
            mine.touches.append((commit.time, len(commit.paths)))
            mine.paths.update(commit.paths)

    def subset(self, paths: Iterable[str], author: str) -> HistoryTally:
        """A copy holding only ``paths`` and ``author``, to be topped up independently."""
        copy = HistoryTally((), ())
        for path in paths:
            stats = self.paths.get(path, PathStats())
            copy.paths[path] = PathStats(stats.changes, stats.last, set(stats.authors))
        mine = self.authors.get(author.lower(), AuthorStats())
        copy.authors[author.lower()] = AuthorStats(list(mine.touches), set(mine.paths))
        return copy

    def author(self, email: str) -> AuthorStats:
        return self.authors.get(email.lower(), AuthorStats())
