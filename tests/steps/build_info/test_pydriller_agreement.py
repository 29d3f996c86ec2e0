"""cipipe's size and diffusion metrics against PyDriller's on the same commits.

PyDriller gives la, ld and nf directly (``commit.insertions``, ``deletions``, ``files``, and
again per file through ``modified_files``); it has no ns, nd or entropy, so those are computed
here from its ``modified_files`` with the definitions of change_metrics. The history metrics
are compared on 200 commits of a 5,000-commit history by bench/bench_change_metrics.py.
"""

from __future__ import annotations

import math
import posixpath
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.git.history import EMPTY_TREE
from cipipe.steps.build_info.change_metrics import compute_change_metrics, top_level_dir
from tests.conftest import optional_import, require_or_skip, requires
from tests.gitrepo import GitRepoBuilder
from tests.steps.build_info.scripted import ADA, BOB, CY, build

pydriller = optional_import("pydriller")
pytestmark = requires(
    pydriller is not None, "pydriller is not installed (a test dependency: pip install '.[test]')"
)
REPO_ROOT = Path(__file__).resolve().parents[3]


def _random_history(builder: GitRepoBuilder, commits: int = 25) -> None:
    """Edits, renames, deletions and binary files, the same every run (seeded)."""
    rng = random.Random(7)
    files: dict[str, list[str]] = {}
    for n in range(commits):
        author = rng.choice([ADA, BOB, CY])
        changes: dict[str, str | bytes] = {}
        roll = rng.random()
        if not files or roll < 0.2:
            path = f"{rng.choice(['core', 'net', 'ui', 'docs'])}/{rng.choice(['', 'sub/'])}f{n}.c"
            files[path] = [f"line {n}.{i}\n" for i in range(rng.randint(1, 30))]
        elif roll < 0.3 and len(files) > 2:
            old = rng.choice(sorted(files))
            new = f"{rng.choice(['core', 'lib'])}/moved{n}.c"
            files[new] = files.pop(old)
            (builder.root / old).unlink()
        elif roll < 0.35 and len(files) > 3:
            gone = rng.choice(sorted(files))
            del files[gone]
            (builder.root / gone).unlink()
        elif roll < 0.45:
            changes[f"assets/blob{n % 2}.bin"] = (
                bytes(rng.randrange(256) for _ in range(64)) + b"\0"
            )
        for path in rng.sample(sorted(files), min(len(files), rng.randint(1, 3))):
            lines = files[path]
            at = rng.randrange(len(lines) + 1)
            lines[at : at + rng.randint(0, 3)] = [
                f"edit {n}.{i}\n" for i in range(rng.randint(0, 4))
            ]
            if not lines:
                lines.append("kept\n")
        changes |= {p: "".join(lines) for p, lines in files.items()}
        builder.commit(f"change {n}", changes, author=author)


def _commits(repo: Path, limit: int) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["git", "rev-list", "--no-merges", "--parents", f"-{limit}", "HEAD"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [(line.split()[0], (line.split()[1:] or [EMPTY_TREE])[0]) for line in out.splitlines()]


def _pydriller_view(repo: Path, sha: str) -> dict[str, Any]:
    commit = next(pydriller.Repository(str(repo), single=sha).traverse_commits())
    modified = commit.modified_files
    paths = [mf.new_path or mf.old_path for mf in modified]
    sizes = [n for n in (mf.added_lines + mf.deleted_lines for mf in modified) if n]
    total = sum(sizes)
    assert commit.insertions == sum(mf.added_lines for mf in modified)
    assert commit.deletions == sum(mf.deleted_lines for mf in modified)
    assert commit.files == len(modified)
    return {
        "la": commit.insertions,
        "ld": commit.deletions,
        "nf": commit.files,
        "ns": len({top_level_dir(p) for p in paths}),
        "nd": len({posixpath.dirname(p) or "." for p in paths}),
        "entropy": -sum(n / total * math.log2(n / total) for n in sizes) if total else 0.0,
    }


def _check(repo: Path, commits: list[tuple[str, str]]) -> None:
    assert commits
    for sha, base in commits:
        metrics, _ = compute_change_metrics(repo, base, sha)
        expected = _pydriller_view(repo, sha)
        ours = {key: getattr(metrics, key) for key in expected}
        assert ours == pytest.approx(expected, abs=1e-12), sha


def test_scripted_history(tmp_path: Path) -> None:
    history = build(GitRepoBuilder(tmp_path / "repo"))
    _check(history.repo, _commits(history.repo, 20))


def test_random_history_with_renames_deletions_and_binaries(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    _random_history(builder)
    log = builder.git("log", "-M", "--name-status", "--format=")
    assert "\nR" in "\n" + log and "\nD" in "\n" + log  # the history has both
    _check(builder.root, _commits(builder.root, 30))


def test_this_projects_history() -> None:
    if not (REPO_ROOT / ".git").exists():
        require_or_skip(f"{REPO_ROOT} is not a git checkout of cipipe")
    _check(REPO_ROOT, _commits(REPO_ROOT, 15))
