"""Change metrics of many changes at once: the one implementation, for build-info and backtests.

A change is ``base..commit`` (by default a commit against its first parent). Scoring a stretch of
history (a backtest, a model's training set) one change at a time would read the whole history
once per change. Here the history all the changes share (everything their bases' best common
ancestors reach) is read once into one tally, and each change adds only its base's ancestors
among the few commits outside it. build-info is the batch of one change. The history is every
commit the base reaches, read from one unfiltered log: a log limited to the change's paths
would let git simplify the history at merges and drop a merged branch's commits to the files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.git.history import (
    FileChange,
    LoggedCommit,
    RangeCommit,
    diff_commits,
    iter_log,
    line_counts,
    merge_bases,
    read_commits,
)
from cipipe.adapters.git.interface import GitError
from cipipe.steps.build_info.change_metrics import (
    FIX_PATTERN,
    ChangeMetrics,
    change_metrics,
    top_level_dir,
)
from cipipe.steps.build_info.history_tally import HistoryTally

Measured = tuple[ChangeMetrics, list[FileChange]]


@dataclass(frozen=True)
class Change:
    """``base..commit`` as one change, by full commit ids."""

    commit: str
    base: str | None = None  # None: the commit's first parent (nothing, for a root commit)
    author_email: str | None = None  # who made the change, when not the commit's author


def compute_commit_metrics(
    repo: Path,
    commits: Sequence[str],
    *,
    module_of: Callable[[str], str] = top_level_dir,
    fix_pattern: re.Pattern[str] = FIX_PATTERN,
) -> dict[str, Measured]:
    """Each commit against its first parent (a root commit against nothing), by commit id."""
    found = compute_changes(
        repo, [Change(c) for c in commits], module_of=module_of, fix_pattern=fix_pattern
    )
    return {change.commit: measured for change, measured in found.items()}


def compute_changes(
    repo: Path,
    changes: Sequence[Change],
    *,
    module_of: Callable[[str], str] = top_level_dir,
    fix_pattern: re.Pattern[str] = FIX_PATTERN,
) -> dict[Change, Measured]:
    """The metrics of each change, in the order given, from a fixed number of git processes
    plus one per change of more than one commit (a merge, a range) for its messages."""
    commits = {t.info.sha: t for t in read_commits(repo, [c.commit for c in changes], walk=False)}
    unknown = next((c.commit for c in changes if c.commit not in commits), None)
    if unknown is not None:
        raise GitError(f"not a full commit id: {unknown!r}", expected="40 or 64 hex digits")
    targets = [commits[c.commit] for c in changes]
    pairs = list(zip(changes, targets, strict=True))
    bases = [_base(c, t) for c, t in pairs]
    diffs = diff_commits(repo, [(c.commit, b) for c, b in zip(changes, bases, strict=True)])
    lines = line_counts(repo, (f.old_blob for fs in diffs for f in fs if f.old_blob))
    authors = [(c.author_email or t.info.author_email).lower() for c, t in pairs]
    paths = {f.old_path for fs in diffs for f in fs if f.old_path is not None}
    shared, window = _shared_history(repo, {b for b in bases if b}, paths, authors)
    result: dict[Change, Measured] = {}
    for change, target, base, files, author in zip(
        changes, targets, bases, diffs, authors, strict=True
    ):
        own = shared.subset([f.old_path for f in files if f.old_path is not None], author)
        if base is None:
            own = HistoryTally(list(own.paths), [author])  # nothing before a root commit
        else:
            for logged in _ancestors(window, base):
                own.add(logged)
        metrics = change_metrics(
            files,
            own,
            author=author,
            now=target.info.committer_time,
            fix=any(fix_pattern.search(m) for m in _messages(repo, target, base)),
            lines_before=lines,
            module_of=module_of,
        )
        result[change] = (metrics, files)
    return result


def _base(change: Change, target: RangeCommit) -> str | None:
    if change.base is not None:
        return change.base
    return target.parents[0] if target.parents else None


def _shared_history(
    repo: Path, bases: set[str], paths: set[str], authors: Iterable[str]
) -> tuple[HistoryTally, dict[str, LoggedCommit]]:
    """The tally of everything all ``bases`` reach, and the commits only some of them reach."""
    shared = HistoryTally(paths, authors)
    if not bases:
        return shared, {}
    floor = merge_bases(repo, sorted(bases))
    window = {c.sha: c for c in iter_log(repo, [*sorted(bases), *(f"^{f}" for f in floor)])}
    if floor:
        for logged in iter_log(repo, floor):
            shared.add(logged)
    return shared, window


def _messages(repo: Path, target: RangeCommit, base: str | None) -> list[str]:
    """The messages of base..commit: the commit's own, unless a merge or a range brings more."""
    if base == (target.parents[0] if target.parents else None) and len(target.parents) <= 1:
        return [target.info.message]
    revs = [target.info.sha] if base is None else [target.info.sha, f"^{base}"]
    return [c.info.message for c in read_commits(repo, revs)]


def _ancestors(window: Mapping[str, LoggedCommit], start: str) -> Iterable[LoggedCommit]:
    """``start`` and its ancestors among the ``window`` commits (the rest are in the tally)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        sha = todo.pop()
        if sha in seen or sha not in window:
            continue
        seen.add(sha)
        yield window[sha]
        todo.extend(window[sha].parents)
