"""The same 14 change metrics computed with PyDriller, as a PyDriller user would: one pass.

PyDriller has no just-in-time metrics (its process metrics count per file over a range), so
this is the usual way to get them with it, the way the ISSTA21 extraction works: walk every
commit oldest first with ``commit.modified_files``, keep running counters per file and per
author, and read a target commit's metrics off the counters just before adding it. The formulas
are those of ``cipipe.steps.build_info.change_metrics``; the history of a commit is everything
walked before it, which equals its ancestors when commit times follow the graph, as in the
generated benchmark repository (not in general: merged branches interleave in time).
"""

from __future__ import annotations

import importlib
import math
import posixpath
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from cipipe.steps.build_info.change_metrics import FIX_PATTERN, ChangeMetrics, top_level_dir


@dataclass
class _File:
    changes: int = 0
    last: float = 0.0
    authors: set[str] = field(default_factory=set)


@dataclass
class _Author:
    touches: list[tuple[float, int]] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)


def pydriller_metrics(repo: str, targets: Collection[str]) -> dict[str, ChangeMetrics]:
    pydriller: Any = importlib.import_module("pydriller")
    files: dict[str, _File] = {}
    authors: dict[str, _Author] = {}
    result: dict[str, ChangeMetrics] = {}
    for commit in pydriller.Repository(repo).traverse_commits():
        modified = commit.modified_files  # empty for a merge, as in git log
        email = commit.author.email.lower()
        now = commit.committer_date.timestamp()
        if commit.hash in targets:
            result[commit.hash] = _metrics(commit, files, authors, email, now)
            if len(result) == len(targets):
                break
        touched: set[str] = set()
        for mf in modified:  # a rename touches both paths, as with git log --no-renames
            touched.update(p for p in (mf.old_path, mf.new_path) if p)
        for path in touched:
            entry = files.setdefault(path, _File())
            entry.changes += 1
            entry.last = max(entry.last, now)
            entry.authors.add(email)
        if touched:
            mine = authors.setdefault(email, _Author())
            mine.touches.append((now, len(touched)))
            mine.paths.update(touched)
    return result


def _metrics(
    commit: Any, files: dict[str, _File], authors: dict[str, _Author], email: str, now: float
) -> ChangeMetrics:
    modified = commit.modified_files
    paths = [mf.new_path or mf.old_path for mf in modified]
    modules = {top_level_dir(p) for p in paths}
    history = [files.get(mf.old_path, _File()) for mf in modified if mf.old_path]
    ages = [max(0.0, now - h.last) / 86_400 for h in history if h.changes]
    sizes = [mf.added_lines + mf.deleted_lines for mf in modified]
    total = sum(sizes)
    mine = authors.get(email, _Author())
    nf = len(modified)
    lt = 0
    for mf in modified:
        if mf.old_path and not mf.diff.startswith("Binary files"):
            before = _content_before(commit, mf)
            lt += before.count(b"\n") + (not before.endswith(b"\n") and before != b"")
    return ChangeMetrics(
        ns=len(modules),
        nd=len({posixpath.dirname(p) or "." for p in paths}),
        nf=nf,
        entropy=math.fsum(n / total * math.log2(total / n) for n in sizes if n) if total else 0.0,
        la=sum(mf.added_lines for mf in modified),
        ld=sum(mf.deleted_lines for mf in modified),
        lt=lt,
        fix=bool(FIX_PATTERN.search(commit.msg)),
        ndev=len({email}.union(*(h.authors for h in history))),
        age=sum(ages) / len(ages) if ages else 0.0,
        nuc=sum(h.changes for h in history) + nf,
        exp=sum(n for _, n in mine.touches) + nf,
        rexp=math.fsum(n / (max(0.0, now - t) / 86_400 + 1) for t, n in mine.touches) + nf,
        sexp=len({p for p in mine.paths | set(paths) if top_level_dir(p) in modules}),
    )


def _content_before(commit: Any, mf: Any) -> bytes:
    """PyDriller's ``content_before`` is empty for a pure rename (GitPython's diff carries no
    blob then), so read the old path from the parent's tree through GitPython instead."""
    before: bytes | None = mf.content_before
    if before or mf.change_type.name != "RENAME":
        return before or b""
    data: bytes = (commit._c_object.parents[0].tree / mf.old_path).data_stream.read()
    return data
