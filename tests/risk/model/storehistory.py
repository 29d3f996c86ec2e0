"""A history store filled the way cipipe fills it: ``cipipe history record`` from a build's
build-info.json and risk-inputs.json, and outcomes through the store's chained append (what
``cipipe outcome record`` calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from cipipe.adapters.history.interface import OutcomeResult
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.source import Person
from tests.conftest import CliResult
from tests.risk.riskinputs import make_build_info, make_risk_inputs, missing, write_workdir

Cli = Callable[..., CliResult]
START = datetime(2026, 1, 5, 6, tzinfo=UTC)
AUTHORS = ("ann@example.com", "bob@example.com", "eve@example.com")


@dataclass(frozen=True)
class Filled:
    labelled: int
    failed: int
    unlabelled: int


def fill(
    cli: Cli,
    db: str,
    folder: Path,
    builds: int,
    *,
    unlabelled_every: int = 20,
    all_good: bool = False,
    seed: int = 3,
) -> Filled:
    """``builds`` builds of orders, seven hours apart; big changes by eve fail most."""
    rng = np.random.default_rng(seed)
    labels: dict[int, int] = {}
    for i in range(builds):
        added = int(rng.lognormal(4.0, 1.2))
        author = AUTHORS[i % 3]
        inputs = make_risk_inputs(
            service="orders",
            build_id=str(i + 1),
            lines_added=added,
            lines_deleted=int(rng.integers(0, 50)),
            unit_tests_flaky=int(rng.random() < 0.2),
            targets=["linux", "arm"] if i % 2 else ["linux"],
            coverage_delta=missing() if i == 0 else float(rng.normal(0, 1)),
        )
        created = START + timedelta(hours=7 * i)
        work = write_workdir(folder / f"b{i + 1}", inputs)
        info = make_build_info(inputs, ["src/a.c"]).model_copy(
            update={"created": created, "author": Person(name=author, email=author)}
        )
        work.write(info)
        result = cli("--workdir", work.path, "history", "record", "--result", "success",
                     "--db", db)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        logit = -2.0 + 0.6 * np.log1p(added) - 1.0 * (author != AUTHORS[2])
        if (i + 1) % unlabelled_every:
            labels[i] = 0 if all_good else int(rng.random() < 1 / (1 + np.exp(-logit)))
    with open_store(db, default_path=folder / "unused.sqlite3") as store:
        for i, label in labels.items():
            outcome: OutcomeResult = ("rollback", "slo-breach")[i % 2] if label else "ok"
            store.record_outcome("orders", str(i + 1), outcome, START + timedelta(days=400))
    failed = sum(labels.values())
    return Filled(len(labels), failed, builds - len(labels))
