"""cipipe outcome sync of a List of 500 Rollouts already synced (the nightly steady state)
against the same sync of a one-Rollout List (target: at most 2x; whole processes, same run).

Both pay Python's start, the policy and the store; the difference is what each Rollout costs:
reading it, matching its build and looking up the build's outcomes. The documents are the
upstream aborted Rollout (tests/data/rollouts) annotated for builds of the store.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from cipipe.adapters.history.interface import BuildRecord  # noqa: E402
from cipipe.adapters.history.sqlalchemy_store import open_store  # noqa: E402

ROLLOUTS = 500
MAX_RATIO = 2.0
ABORTED_AT = datetime(2020, 9, 22, 9, 10, 5, tzinfo=UTC)


def _document(path: Path, count: int) -> Path:
    upstream = json.loads((REPO_ROOT / "tests/data/rollouts/rollout-aborted.json").read_text())
    items = []
    for number in range(count):
        item = copy.deepcopy(upstream)
        item["metadata"]["name"] = f"svc-{number}"
        template = item["spec"]["template"]["metadata"]
        template["annotations"] = {"cipipe.io/service": "orders", "cipipe.io/build-id": str(number)}
        items.append(item)
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "history.sqlite3"
        with open_store(str(db), default_path=db) as store:
            for number in range(ROLLOUTS):
                started = ABORTED_AT - timedelta(hours=1)
                store.record_build(BuildRecord("orders", str(number), started, "success", "cipipe"))
        many, one = _document(root / "many.json", ROLLOUTS), _document(root / "one.json", 1)
        base = [cipipe, "--workdir", str(root / "work"), "outcome", "sync", "--db", str(db)]
        base += ["--policy", str(REPO_ROOT / "policies"), "--from", "argo-rollouts"]
        commands = [
            Command("outcome sync, 1 rollout", [*base, str(one)]),
            Command(f"outcome sync, {ROLLOUTS} rollouts", [*base, str(many)]),
        ]
        # The warm-up records them; every measured run finds them already known.
        medians = measure(commands, rounds=min(rounds, 10), warmup=1)
    comparison = Comparison(
        f"outcome sync, {ROLLOUTS} rollouts", "outcome sync, 1 rollout", MAX_RATIO
    )
    return report(f"outcome sync re-sync of {ROLLOUTS} rollouts vs 1", medians, [comparison])
