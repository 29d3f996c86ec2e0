"""Training the risk model on 24,000 rows (qt's size): median wall time, target under 30 s.

Uses the real qt history (CIPIPE_JIT_DATA, else ../shared/data/jit beside the repo; see
tests/support/jitdata.py) when it is there, else a generated history of 24,000 rows. Training runs
in-process (the import of LightGBM and scikit-learn is paid once, before the rounds); at most
five rounds, since one round is the whole training.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from cipipe.risk.history_table import CHANGE_METRICS, HistoryTable, load_history  # noqa: E402

ROWS = 24_000
TARGET_SECONDS = 30.0


def history() -> tuple[HistoryTable, str]:
    from tests.support.jitdata import project_file

    path = project_file("qt")
    if path.is_file():
        table = load_history(
            path, label="bug", time="date", id_column="_id", features=list(CHANGE_METRICS)
        )
        return table, f"qt ({len(table)} rows)"
    from tests.risk.model.histories import generated

    return generated(ROWS, seed=24), f"generated ({ROWS} rows)"


def run(rounds: int) -> bool:
    from cipipe.risk.model.train import train_model

    table, name = history()
    train_model(table.take(slice(0, 2000)))  # warm-up: imports, thread pools
    samples = []
    for _ in range(max(1, min(rounds, 5))):
        start = time.perf_counter()
        train_model(table)
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    passed = median < TARGET_SECONDS
    print(f"\nmodel train, in-process, {name}, {len(samples)} rounds")
    print(f"  median {median:.2f} s  (min {min(samples):.2f}, max {max(samples):.2f})")
    print(f"  target < {TARGET_SECONDS:g} s: {'PASS' if passed else 'FAIL'}")
    return passed
