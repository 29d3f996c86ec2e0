"""The seed's model features from the history store's own builds (``model train --from-db``).

Seed Step 3 I lists what to learn from: LOC changed, files changed, failed tests, integration
failures, coverage delta, a dependency bump, critical CVEs, the past failure rate, the platform,
author and repository reliability, the time of day and a test flakiness index. The first eight
are in the risk inputs cipipe records with each build (``cipipe history record``); the others
are derived here from the store, each only from what was known when the build started:

- ``author_reliability`` / ``repository_reliability``: of the author's (the service's) earlier
  builds, the share that did not go wrong, with a uniform prior: (good + 1) / (judged + 2), so
  an unknown author is 0.5. Wrong is a failed or unstable build, or a rollback or SLO breach
  recorded before this build started (an outcome recorded later would leak the future).
- ``hour_of_day``: when the build started, in UTC hours (14.5 = 14:30).
- ``flakiness_index``: the share of the service's last FLAKY_WINDOW builds with risk inputs,
  this one included, that had a flaky test.
- ``platform_<name>``: 1 when the build targeted that platform.

The label is the one backtests use (``adapters/history/labelled.py``): 1 when a rollback or SLO
breach was recorded, 0 when only an ok outcome was; builds with neither are not rows. A feature
some labelled build lacks (a repository without coverage) is left out and named, not guessed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from cipipe.adapters.history.interface import BAD_OUTCOMES
from cipipe.adapters.history.training import StoredBuild
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.model.features import PLATFORM_PREFIX, STORE_FEATURES

FLAKY_WINDOW = 20
WRONG_RESULTS = ("failure", "unstable")
# Seed features read straight from the recorded risk inputs.
_DIRECT = (
    "files_changed",
    "unit_tests_failed",
    "integration_failed",
    "coverage_delta",
    "vulnerabilities_critical",
    "module_failure_rate",
)


@dataclass(frozen=True)
class StoreHistory:
    table: HistoryTable
    unlabelled: int = 0  # builds with no rollback, SLO breach or ok outcome
    without_inputs: int = 0  # labelled builds recorded without risk inputs (Jenkins imports)
    left_out: dict[str, int] = field(default_factory=dict)  # feature -> labelled builds lacking it


def label_of(build: StoredBuild) -> int | None:
    seen = {result for result, _ in build.outcomes}
    if seen & set(BAD_OUTCOMES):
        return 1
    return 0 if "ok" in seen else None


def _number(inputs: Mapping[str, Any], name: str) -> float | None:
    item = inputs.get(name)
    value = item.get("value") if isinstance(item, dict) else None
    status = item.get("status") if isinstance(item, dict) else None
    if status == "missing" or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _risk_features(inputs: Mapping[str, Any]) -> dict[str, float | None]:
    row = {name: _number(inputs, name) for name in _DIRECT}
    added, deleted = _number(inputs, "lines_added"), _number(inputs, "lines_deleted")
    row["loc_changed"] = None if added is None or deleted is None else added + deleted
    new, updated = _number(inputs, "dependencies_new"), _number(inputs, "dependencies_updated")
    row["dependency_bump"] = None if new is None or updated is None else float(new + updated > 0)
    return row


class _Reliability:
    """Judged and wrong builds per author and per service, as known at a moment."""

    def __init__(self, builds: Sequence[StoredBuild]) -> None:
        self.judged: dict[str, int] = defaultdict(int)
        self.wrong: dict[str, int] = defaultdict(int)
        self._marked: set[int] = set()
        bad = [(at, i) for i, b in enumerate(builds) for r, at in b.outcomes if r in BAD_OUTCOMES]
        self._bad = sorted(bad)
        self._next = 0
        self._builds = builds

    def _keys(self, build: StoredBuild) -> list[str]:
        return [f"service:{build.service}"] + ([f"author:{build.author}"] if build.author else [])

    def _mark_wrong(self, index: int) -> None:
        if index not in self._marked:
            self._marked.add(index)
            for key in self._keys(self._builds[index]):
                self.wrong[key] += 1

    def advance(self, moment: datetime, started: int) -> None:
        """Take in the bad outcomes recorded before ``moment``; one of a build not among the
        ``started`` ones (recorded before its build began) is malformed and ignored."""
        while self._next < len(self._bad) and self._bad[self._next][0] < moment:
            index = self._bad[self._next][1]
            if index < started:
                self._mark_wrong(index)
            self._next += 1

    def add(self, index: int) -> None:
        build = self._builds[index]
        for key in self._keys(build):
            self.judged[key] += 1
        if build.result in WRONG_RESULTS:
            self._mark_wrong(index)

    def of(self, key: str) -> float:
        judged = self.judged[key]
        return (judged - self.wrong[key] + 1) / (judged + 2)


def _hour(moment: datetime) -> float:
    return moment.hour + moment.minute / 60.0


def store_history(builds: Sequence[StoredBuild], source: str) -> StoreHistory:
    """One row per labelled build with risk inputs, oldest first; ``builds`` oldest first."""
    unlabelled = without_inputs = 0
    reliability = _Reliability(builds)
    flaky: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=FLAKY_WINDOW))
    ids, times, labels, rows = [], [], [], []
    for index, build in enumerate(builds):
        reliability.advance(build.started_at, index)
        inputs = build.risk_inputs or {}
        if inputs:
            was_flaky = (_number(inputs, "unit_tests_flaky") or 0.0) > 0
            flaky[build.service].append(float(was_flaky))
        label = label_of(build)
        if label is not None and not inputs:
            without_inputs += 1
        elif label is None:
            unlabelled += 1
        else:
            row: dict[str, float | None] = {
                **_risk_features(inputs),
                "author_reliability": reliability.of(f"author:{build.author}")
                if build.author
                else 0.5,
                "repository_reliability": reliability.of(f"service:{build.service}"),
                "hour_of_day": _hour(build.started_at),
                "flakiness_index": float(np.mean(flaky[build.service])),
            }
            targets = inputs.get("targets")
            for platform in targets if isinstance(targets, list) else []:
                row[PLATFORM_PREFIX + str(platform)] = 1.0
            ids.append(f"{build.service}/{build.build_id}")
            times.append(build.started_at.timestamp())
            labels.append(label)
            rows.append(row)
        reliability.add(index)
    left_out: dict[str, int] = {}
    table = _table(source, ids, times, labels, rows, left_out)
    return StoreHistory(table, unlabelled, without_inputs, left_out)


def _table(
    source: str,
    ids: list[str],
    times: list[float],
    labels: list[int],
    rows: list[dict[str, float | None]],
    left_out: dict[str, int],
) -> HistoryTable:
    platforms = sorted({n for r in rows for n in r if n.startswith(PLATFORM_PREFIX)})
    features: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for name in STORE_FEATURES:
        values = [r.get(name) for r in rows]
        lacking = sum(v is None for v in values)
        if lacking:
            left_out[name] = lacking
        else:
            features[name] = np.array(values, dtype=np.float64)
    for name in platforms:
        features[name] = np.array([r.get(name, 0.0) for r in rows], dtype=np.float64)
    return HistoryTable(
        source=source,
        ids=ids,
        times=np.array(times, dtype=np.float64),
        labels=np.array(labels, dtype=np.int8),
        features=features,
    )
