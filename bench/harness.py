"""Time whole processes repeatedly; report medians and ratios against a baseline from the same run.

Interleaving the commands round by round spreads any background noise over all of them, so a
ratio compares like with like even on a busy CI machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    name: str
    argv: Sequence[str]


@dataclass(frozen=True)
class Comparison:
    name: str
    baseline: str
    max_ratio: float | None = None


def time_once(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(commands: Sequence[Command], *, rounds: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        for command in commands:
            time_once(command.argv)
    samples: dict[str, list[float]] = {c.name: [] for c in commands}
    for _ in range(rounds):
        for command in commands:
            samples[command.name].append(time_once(command.argv))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, medians: dict[str, float], comparisons: Sequence[Comparison]) -> bool:
    """Print a table; return False when a ratio misses its target."""
    print(f"\n{title}")
    print(f"  {'command':<34} {'median ms':>10}")
    for name, median in medians.items():
        print(f"  {name:<34} {median * 1000:>10.1f}")
    ok = True
    for c in comparisons:
        ratio = medians[c.name] / medians[c.baseline]
        verdict = ""
        if c.max_ratio is not None:
            passed = ratio <= c.max_ratio
            ok &= passed
            verdict = f"  target <= {c.max_ratio:g}x: {'PASS' if passed else 'FAIL'}"
        print(f"  ratio {c.name} / {c.baseline} = {ratio:.2f}x{verdict}")
    return ok


# The outside systems a decision would otherwise reach: the benchmarks measure the file channel,
# no store and SQLite.
OUTSIDE_CONFIG = ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "CIPIPE_DB", "CIPIPE_ARTIFACTORY_URL")


def installed_cipipe() -> str:
    """This interpreter's cipipe, with the outside systems unset; compiled bytecode is used, as
    an installed cipipe has it (pip compiles it): without that, a shell that sets
    PYTHONDONTWRITEBYTECODE would have every round compile cipipe from source."""
    for var in OUTSIDE_CONFIG:
        os.environ.pop(var, None)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    return shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
