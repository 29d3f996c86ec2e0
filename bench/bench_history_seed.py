"""cipipe history seed --synthetic of the demo's 300 builds into a fresh SQLite store, against
one cipipe backtest --from-db of the store it makes (target: at most 4x; both whole
processes, measured in the same run).

The seeding decides every build through the decision path and appends a decision and an
outcome or two to the chained logs, one transaction each, where the backtest reads the same
builds once: a few times the backtest is what `make demo` can afford (its extra time is held
under 15 s). Each round seeds a new file, since a seeded store is left as it is.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILDS = 300
MAX_RATIO = 4.0


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        policy = ["--policy", str(REPO_ROOT / "policies")]
        work = ["--workdir", str(root / "work")]
        seeded = str(root / "seeded.sqlite3")
        seed = [cipipe, *work, "history", "seed", "--synthetic", "--builds", str(BUILDS), *policy]
        subprocess.run([*seed, "--db", seeded], check=True, capture_output=True)
        fresh = root / "fresh.sqlite3"
        # The file is removed before each seeding, inside the timed process: an unlink is
        # nothing beside 300 decisions.
        script = f'rm -f "{fresh}" && exec "$@"'
        commands = [
            Command(
                "cipipe backtest --from-db",
                [cipipe, *work, "backtest", "--from-db", "--db", seeded, *policy],
            ),
            Command("cipipe history seed", ["sh", "-c", script, "sh", *seed, "--db", str(fresh)]),
        ]
        medians = measure(commands, rounds=min(rounds, 5), warmup=1)
    comparison = Comparison("cipipe history seed", "cipipe backtest --from-db", MAX_RATIO)
    return report(f"history seed of {BUILDS} builds vs backtest --from-db", medians, [comparison])
