"""`make bench`: run every benchmark and exit 1 when one misses its target."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_backtest
import bench_change_metrics
import bench_cli
import bench_decide
import bench_digests
import bench_history_seed
import bench_hostile
import bench_install
import bench_model
import bench_model_compare
import bench_model_from_db
import bench_model_service
import bench_outcome_sync
import bench_policy_diff
import bench_precheck
import bench_publish
import bench_run
import bench_sarif
import bench_scan

BENCHMARKS = {
    "cli": bench_cli.run,
    "digests": bench_digests.run,
    "scan": bench_scan.run,
    "change-metrics": bench_change_metrics.run,
    "publish": bench_publish.run,
    "decide": bench_decide.run,
    "hostile": bench_hostile.run,
    "backtest": bench_backtest.run,
    "policy-diff": bench_policy_diff.run,
    "history-seed": bench_history_seed.run,
    "outcome-sync": bench_outcome_sync.run,
    "model-compare": bench_model_compare.run,
    "model": bench_model.run,
    "model-service": bench_model_service.run,
    "model-from-db": bench_model_from_db.run,
    "install": bench_install.run,
    "precheck": bench_precheck.run,
    "sarif": bench_sarif.run,
    "run": bench_run.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args()
    ok = True
    for name in args.names or list(BENCHMARKS):
        ok &= BENCHMARKS[name](args.rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
