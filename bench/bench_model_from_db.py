"""decide-strategy with a `model train --from-db` model, against the same decision by a model that
needs nothing from the history store.

A --from-db model's features are derived at decision time from the whole history store (an
author's reliability counts their builds of every service), as training derives them. What
that costs a decision is reading and walking the store: both models here are local, approved,
and decide on the same inputs and policy shape over a store of BUILDS builds (the CSV model's
store is a copy, so the audit appends cost the same), so the ratio is that cost alone.

Target: the --from-db model's decision at most 1.3x the other's over a store of 3000 builds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_model_service import _approved_model, _policy
from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.riskinputs import make_build_info, make_risk_inputs, write_workdir  # noqa: E402

BUILDS = 3000
MAX_RATIO = 1.3
START = datetime(2025, 1, 6, 6, tzinfo=UTC)
AUTHORS = [f"dev{n}@example.com" for n in range(12)]


def _fill(db: Path) -> None:
    """BUILDS builds of four services, three hours apart, each labelled a day later."""
    from cipipe.adapters.history.interface import BuildRecord, OutcomeResult
    from cipipe.adapters.history.sqlalchemy_store import open_store

    with open_store(str(db), default_path=db) as store:
        for i in range(BUILDS):
            big = i % 7 == 0
            inputs = make_risk_inputs(
                service=f"svc{i % 4}", build_id=str(i + 1), lines_added=900 if big else 20 + i % 50,
                lines_deleted=i % 30, unit_tests_flaky=int(i % 5 == 0),
                targets=["linux", "arm"] if i % 2 else ["linux"],
            )  # fmt: skip
            at = START + timedelta(hours=3 * i)
            store.record_build(
                BuildRecord(
                    service=inputs.service,
                    build_id=inputs.build_id,
                    started_at=at,
                    result="success",
                    source="cipipe",
                    author=AUTHORS[i % len(AUTHORS)],
                    risk_inputs=inputs.model_dump(mode="json", by_alias=True),
                )
            )
            bad = (big and i % 3 != 0) or i % 11 == 0
            outcome: OutcomeResult = "rollback" if bad else "ok"
            store.record_outcome(inputs.service, inputs.build_id, outcome, at + timedelta(days=1))


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db, plain_db = root / "history.sqlite3", root / "plain.sqlite3"
        _fill(db)
        shutil.copyfile(db, plain_db)
        registry, plain_registry = root / "models", root / "plain-models"
        train = [cipipe, "model", "train", "--from-db", "--db", str(db), "--out", str(registry)]
        version = subprocess.run(train, check=True, capture_output=True, text=True).stdout.strip()
        promote = [cipipe, "model", "promote", version, "--registry", str(registry)]
        subprocess.run([*promote, "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
        plain = _approved_model(cipipe, plain_registry, plain_db)
        context = root / "context.yaml"
        context.write_text("deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 250\n")

        def decide(name: str, version: str, models: Path, store: Path) -> list[str]:
            inputs = make_risk_inputs(service="svc1", build_id=str(BUILDS + 1), lines_added=300)
            work = write_workdir(root / name, inputs)
            info = make_build_info(inputs, ["src/a.c"])
            work.write(info.model_copy(update={"created": START + timedelta(hours=3 * BUILDS)}))
            return [
                cipipe, "--workdir", str(work.path), "decide-strategy", "--policy",
                str(_policy(root / f"policy-{name}", version)), "--context", str(context),
                "--db", str(store), "--registry", str(models),
            ]  # fmt: skip

        commands = [
            Command(
                "decide, model without store", decide("plain", plain, plain_registry, plain_db)
            ),
            Command("decide, --from-db model", decide("fromdb", version, registry, db)),
        ]
        for command in commands:  # both must score, or the comparison means nothing
            subprocess.run(command.argv, check=True, capture_output=True)
            decision = Path(command.argv[2]) / "risk-decision.json"
            if '"scored_by": "local"' not in decision.read_text():
                raise RuntimeError(f"{command.name}: the model did not score")
        medians = measure(commands, rounds=rounds)
    return report(
        f"decide-strategy with a --from-db model over a store of {BUILDS} builds "
        "(same interpreter, same run)",
        medians,
        [Comparison("decide, --from-db model", "decide, model without store", max_ratio=MAX_RATIO)],
    )
