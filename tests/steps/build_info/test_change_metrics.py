from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.git.history import FileChange
from cipipe.adapters.git.interface import GitError
from cipipe.steps.build_info import commit_batch
from cipipe.steps.build_info.change_metrics import (
    FIX_PATTERN,
    GitChangeMetrics,
    entropy,
    top_level_dir,
)
from cipipe.steps.build_info.commit_batch import (
    Change,
    Measured,
    compute_changes,
)
from tests.steps.build_info.scripted import History, build
from tests.support.commit_metrics import compute_commit_metrics
from tests.support.gitrepo import GitRepoBuilder

DAY_HOURS = 24


def compute_change_metrics(repo: Path, base: str | None, commit: str, **options: Any) -> Measured:
    """The batch of one change, as build-info runs it."""
    change = Change(commit, base, author_email=options.pop("author_email", None))
    return compute_changes(repo, [change], **options)[change]


@pytest.fixture
def history(tmp_path: Path) -> History:
    return build(GitRepoBuilder(tmp_path / "repo"))


def test_root_commit_against_the_empty_tree(history: History) -> None:
    metrics, _ = compute_change_metrics(history.repo, None, history.c[1])
    assert metrics == GitChangeMetrics(
        ns=3,  # src, docs, "." (README)
        nd=3,
        nf=4,
        entropy=pytest.approx(entropy([4, 2, 3, 1])),  # type: ignore[arg-type]
        la=4 + 2 + 3 + 1,
        ld=0,
        lt=0,  # nothing existed before
        fix=False,
        ndev=1,  # only the author
        age=0.0,
        nuc=4,  # no history: 0 + 1 per file
        exp=4,  # no history: 0 + nf
        rexp=4.0,
        sexp=4,  # the four files, each in one of the change's modules
    )


def test_rename_binary_and_deletion_by_a_newcomer(history: History) -> None:
    metrics, changes = compute_change_metrics(history.repo, history.c[4], history.c[5])
    assert sorted(changes, key=lambda c: c.path) == [
        FileChange("docs/guide.md", "docs/guide.md", "D", 0, 5, False),
        FileChange("lib/util.c", "src/util.c", "R", 0, 0, False),
        FileChange("logo.png", None, "A", None, None, True),
        FileChange("src/app.c", "src/app.c", "M", 2, 1, False),
    ]
    # changed lines per file: guide 5, util 0, logo 0 (binary), app 3; of 8:
    # H = -(3/8 log2 3/8 + 5/8 log2 5/8) = 0.9544
    assert metrics.entropy == pytest.approx(-(3 / 8 * math.log2(3 / 8) + 5 / 8 * math.log2(5 / 8)))
    assert metrics == GitChangeMetrics(
        ns=4,  # docs, lib, ".", src
        nd=4,
        nf=4,
        entropy=metrics.entropy,
        la=2,
        ld=1 + 5,
        lt=5 + 2 + 5,  # app.c 5 lines, util.c (old path) 2, guide.md 5, logo.png new
        fix=False,
        ndev=3,  # Ada and Bob touched app.c/util.c/guide.md before, plus Cy
        # last changes: app.c at tick 2, util.c 3, guide.md 4; now tick 5: (3 + 2 + 1) / 3 hours
        age=pytest.approx(2 / DAY_HOURS),  # type: ignore[arg-type]
        nuc=(2 + 2 + 2) + 4,  # each old path changed twice before; + nf
        exp=0 + 4,  # Cy's first change
        rexp=4.0,
        sexp=4,
    )
    assert metrics.files_changed == 4
    assert metrics.loc_changed == 2 + 6


def test_experience_of_a_returning_author(history: History) -> None:
    metrics, _ = compute_change_metrics(history.repo, history.c[5], history.c[6])
    assert metrics == GitChangeMetrics(
        ns=2,  # src, lib
        nd=2,
        nf=2,
        entropy=1.0,  # one changed line in each of two files
        la=2,
        ld=0,
        lt=3 + 2,  # parse.c 3 lines, lib/util.c 2
        fix=True,  # "Fix ... (issue #12)"
        ndev=3,  # Bob (parse.c), Cy (lib/util.c, created by the rename), Ada
        age=pytest.approx((4 + 1) / 2 / DAY_HOURS),  # type: ignore[arg-type]
        nuc=(1 + 1) + 2,
        exp=(4 + 1) + 2,  # Ada: 4 files at tick 1, 1 at tick 3; + nf
        # 4 file changes 5 hours old, 1 three hours old, 2 now:
        rexp=pytest.approx(4 / (1 + 5 / 24) + 1 / (1 + 3 / 24) + 2),  # type: ignore[arg-type]
        sexp=4,  # src/app.c, src/util.c, src/parse.c, lib/util.c
    )


def test_merged_branch_as_one_change(history: History) -> None:
    metrics, changes = compute_change_metrics(history.repo, history.c[6], history.c[9])
    assert {c.path for c in changes} == {"src/parse.c", "logo.png"}
    assert metrics == GitChangeMetrics(
        ns=2,  # src, "."
        nd=2,
        nf=2,
        entropy=0.0,  # only parse.c has changed lines (the logo is binary)
        la=1,
        ld=1,
        lt=4,  # parse.c 4 lines; the binary logo counts 0
        fix=True,  # "bugfix: logo colours", a commit of the merged branch
        ndev=3,  # parse.c: Bob, Ada; logo.png: Cy; the merge's author Ada
        age=pytest.approx((3 + 4) / 2 / DAY_HOURS),  # type: ignore[arg-type]
        nuc=(2 + 1) + 2,
        exp=(4 + 1 + 2) + 2,  # the merge's author, Ada
        rexp=pytest.approx(4 / (1 + 8 / 24) + 1 / (1 + 6 / 24) + 2 / (1 + 3 / 24) + 2),  # type: ignore[arg-type]
        sexp=5,  # src/app.c, src/util.c, src/parse.c, README, logo.png
    )
    as_bob, _ = compute_change_metrics(
        history.repo, history.c[6], history.c[9], author_email="BOB@example.com"
    )
    assert (as_bob.exp, as_bob.ndev) == ((2 + 1) + 2, 3)  # Bob's ticks 2 and 4 are history


def test_module_mapping_is_configurable(history: History) -> None:
    metrics, _ = compute_change_metrics(
        history.repo, history.c[4], history.c[5], module_of=lambda path: "all"
    )
    assert metrics.ns == 1
    assert metrics.nd == 4


def test_batch_equals_one_change_at_a_time(history: History) -> None:
    shas = [history.c[n] for n in range(1, 10)]
    batch = compute_commit_metrics(history.repo, shas)
    assert list(batch) == shas
    for n in range(1, 10):
        base = None if n == 1 else history.c[n - 1 if n != 9 else 6]
        assert batch[history.c[n]] == compute_change_metrics(history.repo, base, history.c[n])


def test_changes_of_one_batch_each_against_its_own_base(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = history.c
    changes = [Change(c[9], c[6]), Change(c[9]), Change(c[5], c[2]), Change(c[5]), Change(c[1])]
    alone = {ch: compute_changes(history.repo, [ch])[ch] for ch in changes}
    assert compute_changes(history.repo, changes) == alone
    monkeypatch.setattr(commit_batch, "usable_cpus", lambda: 3)
    monkeypatch.setattr(commit_batch, "_MIN_SHARE", 1)  # a diff-tree per CPU, even for five
    assert compute_changes(history.repo, changes) == alone
    assert alone[Change(c[9])][0].nf == 2  # the merge against its first parent
    assert alone[Change(c[9])][0].fix  # "bugfix: logo colours" came with the merged branch
    assert alone[Change(c[5], c[2])][0].fix  # "Fix crash in util" (c[3]) is in the range
    assert not alone[Change(c[5])][0].fix


def test_a_short_commit_id_is_refused(history: History) -> None:
    with pytest.raises(GitError, match="full commit id"):
        compute_changes(history.repo, [Change(history.c[6][:12])])


def test_empty_range(history: History) -> None:
    metrics, changes = compute_change_metrics(history.repo, history.c[6], history.c[6])
    assert changes == []
    assert (metrics.nf, metrics.la, metrics.fix, metrics.ndev) == (0, 0, False, 1)


@pytest.mark.parametrize(
    ("message", "fix"),
    [
        ("Fix crash on empty input", True),
        ("fixes #12", True),
        ("Bug 478939 - NPE in parser", True),
        ("QTBUG-1234: wrong colour", True),
        ("Closes issue 77", True),
        ("hotfix for release", True),
        ("Add a prefix option", False),
        ("debug logging", False),
        ("Update fixtures", False),
        ("qtbug-12 lower case is not a key", False),
    ],
)
def test_fix_pattern(message: str, fix: bool) -> None:
    assert bool(FIX_PATTERN.search(message)) is fix


def test_top_level_dir() -> None:
    assert top_level_dir("src/net/http.c") == "src"
    assert top_level_dir("README") == "."


def test_entropy_is_order_free_and_never_negative() -> None:
    assert entropy([]) == entropy([0, 0]) == 0.0
    assert math.copysign(1.0, entropy([5])) == 1.0
    assert entropy([1, 2, 3]) == entropy([3, 1, 2])
    assert entropy([1, 1, 1, 1]) == pytest.approx(2.0)
    assert (
        GitChangeMetrics(1, 1, 4, 2.0, 0, 0, 0, False, 1, 0.0, 4, 4, 4.0, 4).normalised_entropy == 1
    )
