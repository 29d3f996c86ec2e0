"""cipipe policy diff over a 3,000-row history against one cipipe backtest of the same rows
(target: at most 2x; both whole processes, measured in the same run).

A diff replays two bundles where a backtest replays one, so twice the replay is the ceiling;
loading the history and starting Python are paid once by each. NEW is the shipped policy
with rolling up to 40 and approval at 70, so the diff has moves to count and list.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.histories import generated_rows, write_csv  # noqa: E402

ROWS = 3_000
MAX_RATIO = 2.0


def _edited_policy(folder: Path) -> Path:
    shutil.copytree(REPO_ROOT / "policies", folder)
    mapping_file = folder / "strategy-mapping-policy.yaml"
    mapping = yaml.safe_load(mapping_file.read_text())
    mapping["buckets"][0]["max"], mapping["buckets"][1]["min"] = 40, 41
    mapping["manual_approval_at"] = 70
    mapping_file.write_text(yaml.safe_dump(mapping))
    return folder


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        history = write_csv(root / "history.csv", generated_rows(ROWS))
        old, new = REPO_ROOT / "policies", _edited_policy(root / "new")
        rows = ["--history", str(history), "--label", "failed", "--time", "time"]
        work = ["--workdir", str(root / "work")]
        commands = [
            Command("cipipe backtest", [cipipe, *work, "backtest", *rows, "--policy", str(old)]),
            Command(
                "cipipe policy diff",
                [cipipe, *work, "policy", "diff", str(old), str(new), *rows],
            ),
        ]
        medians = measure(commands, rounds=min(rounds, 10), warmup=1)
    comparison = Comparison("cipipe policy diff", "cipipe backtest", MAX_RATIO)
    return report(f"policy diff vs backtest, {ROWS:,} history rows", medians, [comparison])
