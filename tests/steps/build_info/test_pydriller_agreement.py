"""cipipe's change metrics against PyDriller's, commit by commit, every metric.

The reference (pydriller_reference.py) derives the 14 metrics from PyDriller's
``modified_files`` with the rules cipipe documents; counts must be equal (a tolerance of zero),
floats (entropy, age, rexp) equal to 1e-9 relative, the rounding of a different summation
order. The histories: a scripted one with a merged branch, a seeded random one with renames,
deletions and binary files, a merge that git's path-limited log would simplify away, this
project's own history and the newest 500 commits of yaml-cpp's master (merges included).
"""

from __future__ import annotations

import dataclasses
import random
import subprocess
from pathlib import Path

from cipipe.steps.build_info.commit_batch import Change, compute_changes
from tests.conftest import optional_import, require_or_skip, requires
from tests.steps.build_info.pydriller_reference import pydriller_metrics
from tests.steps.build_info.scripted import ADA, BOB, CY, build
from tests.support.commit_metrics import compute_commit_metrics
from tests.support.gitrepo import GitRepoBuilder
from tests.support.realrepos import clone, missing_reason

pydriller = optional_import("pydriller")
pytestmark = requires(
    pydriller is not None, "pydriller is not installed (a test dependency: pip install '.[test]')"
)
REPO_ROOT = Path(__file__).resolve().parents[3]
YAML_CPP_COMMITS = 500  # PyDriller takes about 20 s over yaml-cpp's 1,090 commits here
FLOAT_TOLERANCE = 1e-9


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


def _newest(repo: Path, limit: int) -> list[str]:
    out = subprocess.run(
        ["git", "rev-list", f"-{limit}", "HEAD"], cwd=repo, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    return out.split()


def _disagreements(repo: Path, targets: list[str]) -> dict[str, list[str]]:
    """Per metric, the commits where cipipe's batch and the PyDriller reference differ."""
    ours = compute_commit_metrics(repo, targets)
    reference = pydriller_metrics(str(repo), set(targets))
    assert set(reference) == set(targets)
    wrong: dict[str, list[str]] = {}
    for sha in targets:
        mine, theirs = dataclasses.asdict(ours[sha][0]), dataclasses.asdict(reference[sha])
        for name, value in mine.items():
            other = theirs[name]
            if isinstance(value, float):
                same = abs(value - other) <= FLOAT_TOLERANCE * max(1.0, abs(other))
            else:
                same = value == other and type(value) is type(other)
            if not same:
                wrong.setdefault(name, []).append(f"{sha[:12]}: {value!r} != {other!r}")
    return wrong


def test_scripted_history_with_a_merged_branch(tmp_path: Path) -> None:
    history = build(GitRepoBuilder(tmp_path / "repo"))
    assert _disagreements(history.repo, _newest(history.repo, 20)) == {}


def test_random_history_with_renames_deletions_and_binaries(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "repo")
    _random_history(builder)
    log = builder.git("log", "-M", "--name-status", "--format=")
    assert "\nR" in "\n" + log and "\nD" in "\n" + log  # the history has both
    assert _disagreements(builder.root, _newest(builder.root, 30)) == {}


def test_a_merged_branch_git_would_simplify_away_still_counts(tmp_path: Path) -> None:
    """Both sides make the same edit, so the merge equals its first parent for that file and
    ``git log -- file`` follows only the first parent: Bob's commit on the branch is still a
    change to the file by another developer (PyDriller walks every commit)."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit("start", {"src/x.c": "1\n"}, author=ADA)
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("on the branch", {"src/x.c": "1\n2\n"}, author=BOB)
    repo.git("checkout", "-q", "main")
    repo.commit("the same on main", {"src/x.c": "1\n2\n"}, author=ADA)
    repo.git("merge", "-q", "--no-ff", "side", "-m", "Merge side")
    tip = repo.commit("after the merge", {"src/x.c": "1\n2\n3\n"}, author=CY)
    change = Change(tip, repo.git("rev-parse", "HEAD~").strip())
    metrics, _ = compute_changes(repo.root, [change])[change]
    assert (metrics.nuc, metrics.ndev) == (3 + 1, 3)  # start, branch, main; Ada, Bob, Cy
    assert _disagreements(repo.root, _newest(repo.root, 5)) == {}


def test_this_projects_history() -> None:
    if not (REPO_ROOT / ".git").exists():
        require_or_skip(f"{REPO_ROOT} is not a git checkout of cipipe")
    assert _disagreements(REPO_ROOT, _newest(REPO_ROOT, 15)) == {}


@requires(missing_reason("yaml-cpp") is None, missing_reason("yaml-cpp") or "")
def test_yaml_cpp_newest_commits_merges_included(tmp_path: Path) -> None:
    repo = clone("yaml-cpp", tmp_path / "yaml-cpp")
    targets = _newest(repo, YAML_CPP_COMMITS)
    merges = subprocess.run(
        ["git", "rev-list", "--merges", f"-{YAML_CPP_COMMITS}", "HEAD"], cwd=repo,
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert len(targets) == YAML_CPP_COMMITS
    assert set(merges) & set(targets)  # the range holds merge commits
    assert _disagreements(repo, targets) == {}
