"""Labelled rows for a backtest, read from the history store (seed Step 3 E, ``--from-db``).

One row per build that has an outcome: label 1 when a rollback or SLO breach was recorded
(``BAD_OUTCOMES``), 0 when only an ok outcome was; builds with no such outcome (not yet
judged, or only a hotfix) are counted and left out. The numeric risk inputs recorded with the
build become the row's columns; time is ``started_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cipipe.adapters.history.interface import BAD_OUTCOMES, HistoryStore

LABEL = "label"
TIME = "started_at"
ID = "build"


@dataclass
class LabelledRows:
    records: list[dict[str, Any]] = field(default_factory=list)
    criticality: dict[str, str] = field(default_factory=dict)  # row id -> criticality
    unlabelled: int = 0


def _numbers(risk_inputs: Mapping[str, Any] | None) -> tuple[dict[str, float], str]:
    if not risk_inputs:
        return {}, "normal"
    document = risk_inputs
    values: dict[str, float] = {}
    for key, item in document.items():
        value = item.get("value") if isinstance(item, dict) else item
        status = item.get("status") if isinstance(item, dict) else "measured"
        if isinstance(value, int | float) and not isinstance(value, bool) and status != "missing":
            values[key] = float(value)
    crit = document.get("criticality")
    criticality = crit.get("value") if isinstance(crit, dict) else None
    return values, str(criticality or "normal")


def labelled_rows(store: HistoryStore) -> LabelledRows:
    """Every build in the store oldest first (``HistoryStore.training_builds``), labelled."""
    rows = LabelledRows()
    for build in store.training_builds():
        seen = {str(result) for result, _ in build.outcomes}
        if seen & set(BAD_OUTCOMES):
            label = 1
        elif "ok" in seen:
            label = 0
        else:
            rows.unlabelled += 1
            continue
        numbers, criticality = _numbers(build.risk_inputs)
        key = f"{build.service}/{build.build_id}"
        rows.criticality[key] = criticality
        rows.records.append(
            {
                ID: key,
                TIME: build.started_at.isoformat(),
                LABEL: label,
                "service": str(build.service),
                **numbers,
            }
        )
    return rows
