"""cipipe model compare over 3,000 history rows against one cipipe model evaluate of the same
rows (target: at most 2x; both whole processes, measured in the same run).

A comparison scores two models where an evaluation scores one, then replays the policy's
decision for each and groups the figures by service and platform: twice the scoring is the
ceiling; starting Python, loading LightGBM and reading the history are paid once by each. The
two models are trained (outside the timing) on the same rows with different train fractions.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.histories import generated_rows, write_csv  # noqa: E402

ROWS = 3_000
MAX_RATIO = 2.0
FEATURES = "lines_added,lines_deleted,files_changed,unit_tests_failed,coverage_delta"


def _train(cipipe: str, rows: list[str], registry: Path, fraction: str) -> str:
    argv = [cipipe, "model", "train", *rows, "--features", FEATURES, "--out", str(registry),
            "--train-fraction", fraction]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        history = write_csv(root / "history.csv", generated_rows(ROWS))
        rows = ["--history", str(history), "--label", "failed", "--time", "time"]
        registry = root / "models"
        first = _train(cipipe, rows, registry, "0.8")
        second = _train(cipipe, rows, registry, "0.5")
        common = ["--workdir", str(root / "work")]
        where = ["--registry", str(registry)]
        commands = [
            Command(
                "cipipe model evaluate",
                [cipipe, *common, "model", "evaluate", "--model", first, *where, *rows],
            ),
            Command(
                "cipipe model compare",
                [
                    cipipe,
                    *common,
                    "model",
                    "compare",
                    second,
                    first,
                    *where,
                    *rows,
                    "--last",
                    str(ROWS),
                    "--policy",
                    str(REPO_ROOT / "policies"),
                ],
            ),
        ]
        medians = measure(commands, rounds=min(rounds, 10), warmup=1)
    comparison = Comparison("cipipe model compare", "cipipe model evaluate", MAX_RATIO)
    return report(f"model compare vs model evaluate, {ROWS:,} history rows", medians, [comparison])
