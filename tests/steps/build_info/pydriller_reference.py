"""The 14 change metrics computed with PyDriller, as a PyDriller user would: the reference that
cipipe's batch (``cipipe.steps.build_info.commit_batch``) must equal commit by commit.

PyDriller has no just-in-time metrics (its process metrics count per file over a range), so
this is the usual way to get them with it, as the ISSTA21 extraction does: walk every commit
once with ``commit.modified_files`` and count per file and per author. It shares no code with
cipipe's git reader; only the formulas' constants (FIX_PATTERN, the top-level module) come from
cipipe. The rules, the ones cipipe documents:

- the change of a commit is its diff against its first parent (PyDriller's ``modified_files``);
  for a merge, whose ``modified_files`` PyDriller leaves empty, the same GitPython diff against
  its first parent (the merged branch as one change), and every message of the merged branch
  counts for ``fix``;
- its history is the commits its first parent reaches (the graph, not "every commit dated
  earlier": merged branches interleave in time), each counted with its ``modified_files``, so a
  merge changes no file in the history and a rename touches both its paths;
- authors are PyDriller's ``commit.author.email``, case ignored; times are committer times.
"""

from __future__ import annotations

import importlib
import math
import posixpath
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from cipipe.steps.build_info.change_metrics import FIX_PATTERN, GitChangeMetrics, top_level_dir

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class _Seen:
    """What the history needs of one walked commit."""

    parents: tuple[str, ...]
    email: str
    time: float
    touched: frozenset[str]
    message: str


@dataclass(frozen=True)
class _Target:
    """A target commit's own change, read while PyDriller had it (its diff is not cached)."""

    paths: list[str]
    old_paths: list[str]
    added: list[int]
    deleted: list[int]
    lines_before: int


def pydriller_metrics(repo: str, targets: Collection[str]) -> dict[str, GitChangeMetrics]:
    """The metrics of every commit of ``targets`` reachable from HEAD."""
    pydriller: Any = importlib.import_module("pydriller")
    seen: dict[str, _Seen] = {}
    changes: dict[str, _Target] = {}
    for commit in pydriller.Repository(repo).traverse_commits():
        modified = commit.modified_files  # empty for a merge
        touched = frozenset(p for mf in modified for p in (mf.old_path, mf.new_path) if p)
        email = commit.author.email.lower()
        now = commit.committer_date.timestamp()
        seen[commit.hash] = _Seen(tuple(commit.parents), email, now, touched, commit.msg)
        if commit.hash in targets:
            if commit.merge:
                modified = _first_parent_diff(pydriller, commit)
            changes[commit.hash] = _target(commit, modified)
    return {sha: _metrics(sha, change, seen) for sha, change in changes.items()}


def _first_parent_diff(pydriller: Any, commit: Any) -> list[Any]:
    """The merge against its first parent, by the call PyDriller makes for a one-parent commit."""
    git_commit = commit._c_object
    diffs = git_commit.parents[0].diff(other=git_commit, paths=None, create_patch=True)
    return [pydriller.ModifiedFile(diff=d) for d in diffs]


def _target(commit: Any, modified: list[Any]) -> _Target:
    lines = 0
    for mf in modified:
        if mf.old_path and not mf.diff.startswith("Binary files"):
            before = _content_before(commit, mf)
            lines += before.count(b"\n") + (not before.endswith(b"\n") and before != b"")
    return _Target(
        paths=[mf.new_path or mf.old_path for mf in modified],
        old_paths=[mf.old_path for mf in modified if mf.old_path],
        added=[mf.added_lines for mf in modified],
        deleted=[mf.deleted_lines for mf in modified],
        lines_before=lines,
    )


def _content_before(commit: Any, mf: Any) -> bytes:
    """PyDriller's ``content_before`` is empty for a pure rename (GitPython's diff carries no
    blob then), so read the old path from the first parent's tree through GitPython instead."""
    before: bytes | None = mf.content_before
    if before or mf.change_type.name != "RENAME":
        return before or b""
    data: bytes = (commit._c_object.parents[0].tree / mf.old_path).data_stream.read()
    return data


def _reachable(seen: dict[str, _Seen], starts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    todo = list(starts)
    while todo:
        sha = todo.pop()
        if sha not in found:
            found.add(sha)
            todo.extend(seen[sha].parents)
    return found


def _metrics(sha: str, change: _Target, seen: dict[str, _Seen]) -> GitChangeMetrics:
    me = seen[sha]
    history = [seen[h] for h in _reachable(seen, me.parents[:1])]
    branch = _reachable(seen, [sha]) - _reachable(seen, me.parents[:1])
    nf = len(change.paths)
    modules = {top_level_dir(p) for p in change.paths}
    per_file = [[c for c in history if path in c.touched] for path in change.old_paths]
    ages = [(me.time - max(c.time for c in cs)) / SECONDS_PER_DAY for cs in per_file if cs]
    mine = [c for c in history if c.email == me.email and c.touched]
    own = {p for c in mine for p in c.touched}
    sizes = [a + d for a, d in zip(change.added, change.deleted, strict=True)]
    total = sum(sizes)
    return GitChangeMetrics(
        ns=len(modules),
        nd=len({posixpath.dirname(p) or "." for p in change.paths}),
        nf=nf,
        entropy=math.fsum(n / total * math.log2(total / n) for n in sizes if n) if total else 0.0,
        la=sum(change.added),
        ld=sum(change.deleted),
        lt=change.lines_before,
        fix=any(FIX_PATTERN.search(seen[c].message) for c in branch),
        ndev=len({me.email} | {c.email for cs in per_file for c in cs}),
        age=sum(max(0.0, a) for a in ages) / len(ages) if ages else 0.0,
        nuc=sum(len(cs) for cs in per_file) + nf,
        exp=sum(len(c.touched) for c in mine) + nf,
        rexp=math.fsum(
            len(c.touched) / (max(0.0, me.time - c.time) / SECONDS_PER_DAY + 1) for c in mine
        )
        + nf,
        sexp=len({p for p in own | set(change.paths) if top_level_dir(p) in modules}),
    )
