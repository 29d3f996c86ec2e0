"""cipipe backtest of 100,000 history rows as a whole process (target: median under 3 s).

The history is generated once (a seeded generator, the same rows on every machine) and cached
in the system temp folder; each round replays it against the shipped policy, writing
backtest.json, with no report (the charts are timed by nothing here).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from harness import Command, measure

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.histories import generated_rows, write_csv  # noqa: E402

ROWS = 100_000
TARGET_SECONDS = 3.0
VERSION = "backtest-history-v1"  # bump whenever the generator changes


def history_file() -> Path:
    path = Path(tempfile.gettempdir()) / f"cipipe-{VERSION}-{ROWS}.csv"
    if not path.is_file():
        partial = path.with_suffix(".partial")
        write_csv(partial, generated_rows(ROWS))
        partial.replace(path)
    return path


def run(rounds: int) -> bool:
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    history = history_file()
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            cipipe, "--workdir", str(Path(tmp) / "work"), "backtest",
            "--history", str(history), "--label", "failed", "--time", "time",
            "--policy", str(REPO_ROOT / "policies"), "--tune",
        ]  # fmt: skip
        medians = measure([Command("cipipe backtest", argv)], rounds=min(rounds, 10), warmup=1)
    median = medians["cipipe backtest"]
    ok = median <= TARGET_SECONDS
    print(f"\nbacktest of {ROWS:,} history rows, whole process")
    print(f"  median {median:.2f} s  target <= {TARGET_SECONDS:g} s: {'PASS' if ok else 'FAIL'}")
    return ok
