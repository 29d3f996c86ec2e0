"""Change metrics for many single commits at once, each against its first parent.

Scoring a stretch of history (a backtest, a model's training set) one change at a time would
read the whole history once per commit. Here the history all the commits share (everything
their parents' best common ancestors reach) is read once into one tally, and each commit adds
only its own ancestors among the few commits outside it. The numbers are exactly those of
``compute_change_metrics(repo, parent, commit)``: same formulas, same history.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from cipipe.adapters.git.history import (
    FileChange,
    LoggedCommit,
    diff_commits,
    iter_log,
    line_counts,
    merge_bases,
    read_commits,
)
from cipipe.steps.build_info.change_metrics import (
    FIX_PATTERN,
    ChangeMetrics,
    change_metrics,
    top_level_dir,
)
from cipipe.steps.build_info.history_tally import HistoryTally


def compute_commit_metrics(
    repo: Path,
    commits: Sequence[str],
    *,
    module_of: Callable[[str], str] = top_level_dir,
    fix_pattern: re.Pattern[str] = FIX_PATTERN,
) -> dict[str, tuple[ChangeMetrics, list[FileChange]]]:
    """Metrics of each commit against its first parent (a root commit against the empty tree),
    keyed by full commit id, from a fixed number of git processes plus one per merge commit."""
    targets = read_commits(repo, commits, walk=False)
    diffs = diff_commits(repo, [(t.info.sha, t.parents[0] if t.parents else None) for t in targets])
    lines = line_counts(repo, (c.old_blob for cs in diffs.values() for c in cs if c.old_blob))
    bases = sorted({t.parents[0] for t in targets if t.parents})
    floor = merge_bases(repo, bases) if bases else []
    window: dict[str, LoggedCommit] = {}
    if bases:
        window = {c.sha: c for c in iter_log(repo, [*bases, *(f"^{f}" for f in floor)])}
    paths = {c.old_path for cs in diffs.values() for c in cs if c.old_path is not None}
    shared = HistoryTally(paths, {t.info.author_email for t in targets})
    if floor:
        for logged in iter_log(repo, floor):
            shared.add(logged)
    result: dict[str, tuple[ChangeMetrics, list[FileChange]]] = {}
    for target in targets:
        info, changes = target.info, diffs.get(target.info.sha, [])
        author = info.author_email.lower()
        own = shared.subset([c.old_path for c in changes if c.old_path is not None], author)
        messages = [info.message]
        if target.parents:
            base = target.parents[0]
            for logged in _ancestors(window, base):
                own.add(logged)
            if len(target.parents) > 1:  # base..merge also holds the merged branch's commits
                messages = [c.info.message for c in read_commits(repo, [info.sha, f"^{base}"])]
        else:
            own = HistoryTally(list(own.paths), [author])  # nothing before a root commit
        result[info.sha] = (
            change_metrics(
                changes,
                own,
                author=author,
                now=info.committer_time,
                fix=any(fix_pattern.search(m) for m in messages),
                lines_before=lines,
                module_of=module_of,
            ),
            changes,
        )
    return result


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
