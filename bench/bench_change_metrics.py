"""Change metrics of the 500 newest commits of yaml-cpp's master (a real history, merges
included): cipipe's batch against PyDriller.

The repository is the git bundle in ../shared/repos (tests/support/realrepos.py finds it;
without it the benchmark fails). Each tool runs as its own process computing the 14 metrics
of every target commit against its first parent; PyDriller's are derived by the reference the
tests use (tests/steps/build_info/pydriller_reference.py). The two answers must be identical (counts
exactly, floats to 1e-9 relative) before the times mean anything. PyDriller needs about 20 s a
round here, so this benchmark runs at most 3 rounds.

Run alone: ``python bench/bench_change_metrics.py TOOL REPO TARGETS OUT`` computes one tool's
answer (TOOL is cipipe or pydriller) and writes it as JSON.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import resource
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness import Command, Comparison, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support.realrepos import clone, missing_reason  # noqa: E402

PROJECT = "yaml-cpp"
TARGETS = 500
MAX_ROUNDS = 3
FASTER = 10.0  # issue 16: cipipe at least 10x faster than PyDriller
FLOAT_TOLERANCE = 1e-9


def run(rounds: int) -> bool:
    if importlib.util.find_spec("pydriller") is None:
        print("\nchange-metrics: FAIL: pydriller is not installed (pip install pydriller)")
        return False
    missing = missing_reason(PROJECT)
    if missing:
        print(f"\nchange-metrics: FAIL: {missing}")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        repo = clone(PROJECT, Path(tmp) / PROJECT)
        return _compare(repo, Path(tmp), rounds)


def _compare(repo: Path, tmp: Path, rounds: int) -> bool:
    targets = _git(repo, "rev-list", f"-{TARGETS}", "HEAD").split()
    merges = len(set(_git(repo, "rev-list", "--merges", "HEAD").split()) & set(targets))
    print(
        f"\nrepository: {PROJECT} master ({_git(repo, 'rev-parse', 'HEAD')[:12]}), "
        f"{_git(repo, 'rev-list', '--count', 'HEAD').strip()} commits; targets: the newest "
        f"{len(targets)}, {merges} of them merges"
    )
    target_file = tmp / "targets.txt"
    target_file.write_text("\n".join(targets) + "\n")
    me = str(Path(__file__).resolve())
    outputs = {tool: tmp / f"{tool}.json" for tool in ("cipipe", "pydriller")}
    commands = [
        Command(
            f"{tool} ({len(targets)} commits)",
            [sys.executable, me, tool, str(repo), str(target_file), str(out)],
        )
        for tool, out in outputs.items()
    ]
    commands.append(_floor(repo, targets, tmp))
    medians = measure(commands, rounds=max(1, min(rounds, MAX_ROUNDS)), warmup=1)
    answers = {tool: json.loads(out.read_text()) for tool, out in outputs.items()}
    agree = _agreement(answers["cipipe"], answers["pydriller"], targets)
    ok = report(
        f"Change metrics, the {len(targets)} newest commits of {PROJECT} (merges included)",
        medians,
        [
            Comparison(commands[0].name, commands[1].name, max_ratio=1 / FASTER),
            Comparison(commands[0].name, commands[2].name),
            Comparison(commands[1].name, commands[2].name),
        ],
    )
    speedup = medians[commands[1].name] / medians[commands[0].name]
    verdict = "PASS" if speedup >= FASTER else "FAIL"
    print(f"  cipipe is {speedup:.1f}x faster than PyDriller (target >= {FASTER:g}x): {verdict}")
    # Information, not the target: on a shared machine the wall clock of many short git
    # processes suffers more from other load than one long one; CPU time does not.
    cpu = {c.name: _cpu_seconds(c.argv) for c in commands[:2]}
    print(
        "  CPU seconds, git processes included: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cpu.items())
        + f"; ratio {cpu[commands[1].name] / cpu[commands[0].name]:.1f}x"
    )
    return ok and agree


def _floor(repo: Path, targets: list[str], tmp: Path) -> Command:
    """The floor of any tool: git's diffs of the target commits alone (renames, line counts),
    which both tools need, in one process; PyDriller diffs every commit of the history too."""
    parents = _git(repo, "rev-list", "--no-walk=unsorted", "--parents", *targets)
    pairs = tmp / "pairs.txt"
    pairs.write_text("".join(" ".join(line.split()[:2]) + "\n" for line in parents.splitlines()))
    diff = "git diff-tree --stdin --always --root -r -M --raw --numstat -z --no-abbrev"
    shell = f"cd {shlex.quote(str(repo))} && exec {diff} < {shlex.quote(str(pairs))}"
    return Command(f"floor: git diff-tree of the {len(targets)}", ["sh", "-c", shell])


def _cpu_seconds(argv: Sequence[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _agreement(
    ours: dict[str, dict[str, object]], reference: dict[str, dict[str, object]], targets: list[str]
) -> bool:
    bad = [t for t in targets if not _same(ours.get(t), reference.get(t))]
    print(f"  cipipe vs pydriller: {len(targets) - len(bad)}/{len(targets)} commits identical")
    for sha in bad[:3]:
        print(f"    {sha[:12]}: {ours.get(sha)} != {reference.get(sha)}")
    return not bad


def _same(a: dict[str, object] | None, b: dict[str, object] | None) -> bool:
    if a is None or b is None or a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if isinstance(value, float) and isinstance(other, float):
            if abs(value - other) > FLOAT_TOLERANCE * max(1.0, abs(other)):
                return False
        elif value != other or type(value) is not type(other):
            return False
    return True


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _compute(tool: str, repo: Path, targets: list[str]) -> dict[str, object]:
    if tool == "pydriller":
        from tests.steps.build_info.pydriller_reference import pydriller_metrics

        found = pydriller_metrics(str(repo), set(targets))
        return {sha: dataclasses.asdict(m) for sha, m in found.items()}
    from tests.support.commit_metrics import compute_commit_metrics

    batch = compute_commit_metrics(repo, targets)
    return {sha: dataclasses.asdict(metrics) for sha, (metrics, _) in batch.items()}


if __name__ == "__main__":
    tool, repo_arg, targets_arg, out_arg = sys.argv[1:5]
    wanted = Path(targets_arg).read_text().split()
    Path(out_arg).write_text(json.dumps(_compute(tool, Path(repo_arg), wanted)))
