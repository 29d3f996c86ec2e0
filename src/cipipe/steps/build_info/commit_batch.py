"""Change metrics of many changes at once: the one implementation, for build-info and history.

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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.git.history import (
    FileChange,
    RangeCommit,
    diff_commits,
    iter_log,
    line_counts,
    merge_bases,
    read_commits,
)
from cipipe.adapters.git.interface import GitError
from cipipe.cpus import usable_cpus
from cipipe.steps.build_info.change_metrics import (
    FIX_PATTERN,
    GitChangeMetrics,
    change_metrics,
    top_level_dir,
)
from cipipe.steps.build_info.history_tally import HistoryTally
from cipipe.steps.build_info.history_window import HistoryWindow

Measured = tuple[GitChangeMetrics, list[FileChange]]
_MIN_SHARE = 32  # changes below which another diff-tree process costs more than it saves


@dataclass(frozen=True)
class Change:
    """``base..commit`` as one change, by full commit ids."""

    commit: str
    base: str | None = None  # None: the commit's first parent (nothing, for a root commit)
    author_email: str | None = None  # who made the change, when not the commit's author


def compute_changes(
    repo: Path,
    changes: Sequence[Change],
    *,
    module_of: Callable[[str], str] = top_level_dir,
    fix_pattern: re.Pattern[str] = FIX_PATTERN,
) -> dict[Change, Measured]:
    """The metrics of each change, in the order given, from a fixed number of git processes
    (diff-tree one per CPU of the budget; one more for the messages of merges and ranges)."""
    commits = {t.info.sha: t for t in read_commits(repo, [c.commit for c in changes], walk=False)}
    unknown = next((c.commit for c in changes if c.commit not in commits), None)
    if unknown is not None:
        raise GitError(f"not a full commit id: {unknown!r}", expected="40 or 64 hex digits")
    targets = [commits[c.commit] for c in changes]
    pairs = list(zip(changes, targets, strict=True))
    bases = [_base(c, t) for c, t in pairs]
    authors = [(c.author_email or t.info.author_email).lower() for c, t in pairs]
    cpus = usable_cpus()
    asked = [(c.commit, b) for c, b in zip(changes, bases, strict=True)]
    with ThreadPoolExecutor(max_workers=cpus + 1) as pool:
        # git log streams the history while diff-tree diffs the changes, then cat-file counts
        # the old files' lines while the window is sorted out.
        tips = [t.info.sha for t in targets]
        history = pool.submit(_shared_history, repo, tips, bases, authors)
        diffs = _diffs(pool, cpus, repo, asked)
        blobs = [f.old_blob for fs in diffs for f in fs if f.old_blob]
        counting = pool.submit(line_counts, repo, blobs)
        shared, window = history.result()
        messages = _messages(repo, window, targets, bases)
        lines = counting.result()
    result: dict[Change, Measured] = {}
    for change, target, base, files, author, said in zip(
        changes, targets, bases, diffs, authors, messages, strict=True
    ):
        own = shared.subset([f.old_path for f in files if f.old_path is not None], author)
        if base is None:
            own = HistoryTally(list(own.paths), [author])  # nothing before a root commit
        else:
            for logged in window.relevant(window.reach(base), own.paths, author):
                own.add(logged)
        metrics = change_metrics(
            files,
            own,
            author=author,
            now=target.info.committer_time,
            fix=any(fix_pattern.search(m) for m in said),
            lines_before=lines,
            module_of=module_of,
        )
        result[change] = (metrics, files)
    return result


def _diffs(
    pool: ThreadPoolExecutor, cpus: int, repo: Path, pairs: list[tuple[str, str | None]]
) -> list[list[FileChange]]:
    """diff-tree does most of a batch's work: one process per CPU of the budget, each on a
    contiguous share of the changes (a change alone needs no thread)."""
    jobs = max(1, min(cpus, len(pairs) // _MIN_SHARE))
    share = -(-len(pairs) // jobs)
    chunks = [pairs[i : i + share] for i in range(0, len(pairs), share)]
    if len(chunks) <= 1:
        return diff_commits(repo, pairs)
    return [d for diffs in pool.map(lambda c: diff_commits(repo, c), chunks) for d in diffs]


def _base(change: Change, target: RangeCommit) -> str | None:
    if change.base is not None:
        return change.base
    return target.parents[0] if target.parents else None


def _shared_history(
    repo: Path, tips: Sequence[str], bases: Sequence[str | None], authors: Iterable[str]
) -> tuple[HistoryTally, HistoryWindow]:
    """The tally of everything all bases reach, and the window of the commits that only some
    bases reach or that only the changes themselves bring (a merged branch, a range)."""
    shared = HistoryTally(None, authors)
    known = sorted({b for b in bases if b is not None})
    floor = merge_bases(repo, known) if known else []
    revs = [*dict.fromkeys([*tips, *known]), *(f"^{f}" for f in floor)]
    window = HistoryWindow(list(iter_log(repo, revs)))
    if floor:
        for logged in iter_log(repo, floor):
            shared.add(logged)
    return shared, window


def _messages(
    repo: Path, window: HistoryWindow, targets: Sequence[RangeCommit], bases: Sequence[str | None]
) -> list[list[str]]:
    """Per change, the messages of base..commit: the commit's own, unless a merge or a range
    brings more, read for all such changes by one more git process."""
    ranges: list[list[str]] = []
    for target, base in zip(targets, bases, strict=True):
        parent = target.parents[0] if target.parents else None
        if base == parent and len(target.parents) <= 1:
            ranges.append([target.info.sha])
        else:
            ranges.append(window.members(window.reach(target.info.sha) & ~window.reach(base)))
    known = {t.info.sha: t.info.message for t in targets}
    wanted = sorted({sha for shas in ranges for sha in shas} - known.keys())
    if wanted:
        known |= {c.info.sha: c.info.message for c in read_commits(repo, wanted, walk=False)}
    return [[known[sha] for sha in shas] for shas in ranges]
