"""Generated release histories with known outcomes, for the backtest tests and benchmark."""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cipipe.adapters.history.interface import BuildRecord, OutcomeResult
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.history_table import HistoryTable, table_from_records
from tests.risk.riskinputs import make_risk_inputs

START = 1_767_225_600  # 2026-01-01T00:00:00Z
SERVICES = ("payments", "orders", "search")
PLATFORMS = ("linux", "arm")
COLUMNS = (
    "id", "time", "failed", "service", "platform", "lines_added", "lines_deleted",
    "files_changed", "unit_tests_failed", "coverage_delta", "dependencies_new",
    "dependencies_updated",
)  # fmt: skip


def generated_rows(count: int, *, seed: int = 7, groups: bool = True) -> list[dict[str, Any]]:
    """Releases an hour apart whose chance of failing rises with their size and test failures,
    so the heuristic ranks them better than chance but not perfectly."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        lines = int(rng.lognormvariate(4.5, 1.4))
        files = max(1, int(lines / rng.uniform(10, 60)))
        failing = rng.choice([0] * 12 + [1, 2, 5])
        coverage = round(rng.gauss(0, 2), 2)
        updated = int(rng.random() < 0.15)
        logit = -3.0 + 0.9 * math.log1p(lines / 100) + 0.5 * failing + 0.8 * updated
        row: dict[str, Any] = {
            "id": f"r{i}",
            "time": START + 3600 * i,
            "failed": int(rng.random() < 1 / (1 + math.exp(-logit))),
            "lines_added": lines,
            "lines_deleted": int(lines * rng.uniform(0, 0.5)),
            "files_changed": files,
            "unit_tests_failed": failing,
            "coverage_delta": coverage,
            "dependencies_new": 0,
            "dependencies_updated": updated,
        }
        if groups:
            row["service"] = SERVICES[i % len(SERVICES)]
            row["platform"] = PLATFORMS[(i // 3) % len(PLATFORMS)]
        rows.append(row)
    return rows


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    names = [c for c in COLUMNS if c in rows[0]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def scored_table(
    scores: Sequence[int], labels: Sequence[int], **groups: Sequence[str]
) -> HistoryTable:
    """Rows whose heuristic score under the shipped policy is exactly ``scores`` (2 points
    per 100 changed lines, nothing else), a second apart."""
    records = [
        {
            "time": i,
            "failed": label,
            "lines_added": 50 * score,
            "lines_deleted": 0,
            **{name: values[i] for name, values in groups.items()},
        }
        for i, (score, label) in enumerate(zip(scores, labels, strict=True))
    ]
    return table_from_records(records, source="hand-made", label="failed", time="time")


def table_of(rows: Sequence[dict[str, Any]]) -> HistoryTable:
    return table_from_records(rows, source="generated", label="failed", time="time", id_column="id")


def fill_orders_store(
    url: str, default_path: Path, *, lines_step: int, bad: Mapping[int, OutcomeResult]
) -> None:
    """Twelve orders builds an hour apart, build i adding ``lines_step * i`` lines; the first
    ten labelled a day later (``bad`` maps build numbers to their bad outcome, the rest ok),
    the last two without an outcome."""
    store = open_store(url, default_path=default_path)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    try:
        for i in range(12):
            inputs = make_risk_inputs(lines_added=lines_step * i, lines_deleted=0, files_changed=1)
            store.record_build(
                BuildRecord(
                    service="orders",
                    build_id=str(i),
                    started_at=start + timedelta(hours=i),
                    result="success",
                    source="cipipe",
                    risk_inputs=inputs.model_dump(mode="json", by_alias=True),
                )
            )
            if i < 10:
                outcome = bad.get(i, "ok")
                store.record_outcome("orders", str(i), outcome, start + timedelta(days=1))
    finally:
        store.close()
