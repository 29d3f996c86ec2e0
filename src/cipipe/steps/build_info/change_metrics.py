"""Change metrics for build-info: files and lines changed, and the 14 just-in-time metrics.

Kamei et al., "A Large-Scale Empirical Study of Just-in-Time Quality Assurance" (TSE 2013),
name 14 properties of a change that predict whether it introduces a defect. The numbers follow
the extraction code of Zeng et al. (ISSTA 2021, ``ZZR0/ISSTA21-JIT-DP``,
``Data_Extraction/git_base/extract_k_feature.py``), which produced the labelled data in
``shared/data/jit``, so that a model fit on that data reads our numbers on the same scale. The
change is ``base..commit`` as one change by the author of ``commit`` at its committer time
``now``; the history is every commit reachable from ``base``; F is the set of files changed.

  ns       distinct ``module_of(path)`` over F; by default the top-level folder, "." at the root
  nd       distinct parent folders over F ("." at the root)
  nf       |F|, the files changed (paths; ISSTA21 counted distinct base names, a slip)
  entropy  -sum p_i log2 p_i, p_i = (la_i + ld_i) / (la + ld) over F; 0 when no line changed.
           Not normalised: ISSTA21 and Commit Guru leave it raw; Kamei divide by log2(nf)
           (Hassan 2009), available as ``normalised_entropy``
  la, ld   lines added / deleted (``git diff --numstat``, renames followed; binary files 0)
  lt       lines of the files of F in the base (added and binary files 0)
  fix      a message in base..commit matches FIX_PATTERN (ISSTA21 looked issue keys up in the
           project's tracker; without one, keywords and issue references stand in)
  ndev     distinct authors of the history's changes to F, plus the change's author
  age      mean over the files of F that have history of the days since their last change
           (0 when none has): ISSTA21 took the newest ``git blame`` time and left new files out
  nuc      sum over F of (the file's changes in the history + 1)
  exp      the author's file changes (one per file per commit) in the history, plus nf
  rexp     as exp, each weighted 1 / (age in days + 1); the change's own files weigh 1.
           Kamei weigh by age in years; the ISSTA21 code and data use days
  sexp     distinct files the author changed, in the history or in F, whose module is one of
           the change's modules

ISSTA21 counts the change itself in ndev, nuc, exp, rexp and sexp, and sums nuc per file where
Kamei count unique changes; we keep its convention (its data is never below nf). Its counters
started from ``git blame`` at the start of its window; we read the whole history, which is what
they approximate.

The history is every commit the base reaches (its ancestors, not "every commit dated earlier",
which would count a branch merged later), each counted against its first parent, read from one
unfiltered ``git log``: a log limited to the change's paths lets git simplify the history at a
merge that equals one parent for those paths and drop the merged branch's commits to them,
which undercounted nuc, ndev and age. This is what a PyDriller walk of ``modified_files`` gives,
and the tests check it commit by commit. A merge changes no file in the history (its branch's
commits count one by one); as the change itself, a merge against its first parent is the merged
branch as one change (PyDriller leaves a merge's ``modified_files`` empty; we take the same diff
it takes for a one-parent commit). History follows paths, not renames (``git log
--no-renames``): a rename counts as a change to both paths, and a renamed file's history is that
of its old path up to the rename (PyDriller's per-file process metrics, CommitsCount and
ContributorsCount, carry the history over to the new name instead; a rename is rare enough that
we keep the simpler, path-keyed count). Authors are matched by email, case ignored, without
.mailmap; times are committer times.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cipipe.adapters.git.history import FileChange
from cipipe.steps.build_info.history_tally import SECONDS_PER_DAY, HistoryTally

# Mockus & Votta's corrective keywords as Kamei searched them, plus issue references.
FIX_PATTERN = re.compile(
    r"\b(?:fix(?:e[sd]|ing)?|bug(?:s|fix(?:es)?)?|hotfix(?:es)?|defects?|patch(?:e[sd])?|fault)\b"
    r"|\bissue\s*#?\d+"
    r"|(?-i:\b[A-Z][A-Z0-9]*BUG-\d+\b)",  # tracker keys that say bug, e.g. Qt's QTBUG-123
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GitChangeMetrics:
    ns: int
    nd: int
    nf: int
    entropy: float
    la: int
    ld: int
    lt: int
    fix: bool
    ndev: int
    age: float
    nuc: int
    exp: int
    rexp: float
    sexp: int

    @property
    def files_changed(self) -> int:
        return self.nf

    @property
    def loc_changed(self) -> int:
        return self.la + self.ld

    @property
    def normalised_entropy(self) -> float:
        """Entropy over its maximum log2(nf), as Kamei et al. use it; 0 for one file."""
        return self.entropy / math.log2(self.nf) if self.nf > 1 else 0.0


def top_level_dir(path: str) -> str:
    """The subsystem of a path: its first folder, "." for a file at the root."""
    head, sep, _ = path.partition("/")
    return head if sep else "."


def parent_dir(path: str) -> str:
    return posixpath.dirname(path) or "."


def entropy(changed_lines: Iterable[int]) -> float:
    sizes = [n for n in changed_lines if n > 0]
    total = sum(sizes)
    # fsum and log2(1/p): the same value whatever the order, and 0.0 (not -0.0) for one file.
    return math.fsum(n / total * math.log2(total / n) for n in sizes) if total else 0.0


def change_metrics(
    changes: Sequence[FileChange],
    tally: HistoryTally,
    *,
    author: str,
    now: int,
    fix: bool,
    lines_before: dict[str, int],
    module_of: Callable[[str], str] = top_level_dir,
) -> GitChangeMetrics:
    """The formulas of the module docstring, over a change's files and its history's tally."""
    modules = {module_of(c.path) for c in changes}
    history = [tally.paths[c.old_path] for c in changes if c.old_path is not None]
    touched = [h for h in history if h.changes]
    ages = [max(0, now - h.last) / SECONDS_PER_DAY for h in touched if h.last is not None]
    developers = {author.lower()}.union(*(h.authors for h in history))
    mine = tally.author(author)
    nf = len(changes)
    own = {p for p in mine.paths | {c.path for c in changes} if module_of(p) in modules}
    return GitChangeMetrics(
        ns=len(modules),
        nd=len({parent_dir(c.path) for c in changes}),
        nf=nf,
        entropy=entropy((c.added or 0) + (c.deleted or 0) for c in changes),
        la=sum(c.added or 0 for c in changes),
        ld=sum(c.deleted or 0 for c in changes),
        lt=sum(lines_before.get(c.old_blob, 0) for c in changes if c.old_blob and not c.binary),
        fix=fix,
        ndev=len(developers),
        age=sum(ages) / len(ages) if ages else 0.0,
        nuc=sum(h.changes for h in history) + nf,
        exp=mine.file_changes + nf,
        rexp=mine.recent_file_changes(now) + nf,
        sexp=len(own),
    )
