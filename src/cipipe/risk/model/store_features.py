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

At decision time (``decision_features``: decide-strategy, ``cipipe model serve``) the build
being decided gets its row from the same ``feature_row``, walked over the store's builds that
training puts before it, so a build already in the store gets exactly its training row.

The label is the one backtests use (``adapters/history/labelled.py``): 1 when a rollback or SLO
breach was recorded, 0 when only an ok outcome was; builds with neither are not rows. A feature
some labelled build lacks (a repository without coverage) is left out and named, not guessed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from cipipe.adapters.history.interface import BAD_OUTCOMES
from cipipe.adapters.history.training import StoredBuild
from cipipe.risk.history_table import HistoryTable
from cipipe.risk.model.decision_score import StoreRow
from cipipe.risk.model.features import PLATFORM_PREFIX, STORE_FEATURES

FLAKY_WINDOW = 20
WRONG_RESULTS = ("failure", "unstable")
# The features the store's earlier builds or the build's start give, not its risk inputs.
HISTORY_FEATURES = (
    "author_reliability",
    "repository_reliability",
    "hour_of_day",
    "flakiness_index",
)
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


class Known:
    """What the store's builds told by the time one build started: reliability and the flaky
    flags of each service's last FLAKY_WINDOW builds with risk inputs, this one's included."""

    def __init__(self, builds: Sequence[StoredBuild]) -> None:
        self.reliability = _Reliability(builds)
        self.flaky: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=FLAKY_WINDOW))


def _walk(builds: Sequence[StoredBuild]) -> Iterator[tuple[StoredBuild, Known]]:
    """Each build (oldest first) with what was known when it started; the one place that
    says what "known" means, for training and for a decision alike."""
    known = Known(builds)
    for index, build in enumerate(builds):
        known.reliability.advance(build.started_at, index)
        if build.risk_inputs:
            was_flaky = (_number(build.risk_inputs, "unit_tests_flaky") or 0.0) > 0
            known.flaky[build.service].append(float(was_flaky))
        yield build, known
        known.reliability.add(index)


def _hour(moment: datetime) -> float:
    return moment.hour + moment.minute / 60.0


def inputs_features(inputs: Mapping[str, Any]) -> dict[str, float | None]:
    """The features of one build that its risk inputs alone give, platform flags included."""
    row = _risk_features(inputs)
    targets = inputs.get("targets")
    for platform in targets if isinstance(targets, list) else []:
        row[PLATFORM_PREFIX + str(platform)] = 1.0
    return row


def feature_row(build: StoredBuild, known: Known) -> dict[str, float | None]:
    """The seed's features of one build (risk inputs as recorded), from its own risk inputs and
    metadata and what ``known`` holds of the store's earlier builds: the one definition that
    training (``store_history``) and a decision (``decision_row``) both use."""
    inputs = build.risk_inputs or {}
    return {
        **inputs_features(inputs),
        "author_reliability": known.reliability.of(f"author:{build.author}")
        if build.author
        else 0.5,
        "repository_reliability": known.reliability.of(f"service:{build.service}"),
        "hour_of_day": _hour(build.started_at),
        "flakiness_index": float(np.mean(known.flaky[build.service])),
    }


def store_history(builds: Sequence[StoredBuild], source: str) -> StoreHistory:
    """One row per labelled build with risk inputs, oldest first; ``builds`` oldest first."""
    unlabelled = without_inputs = 0
    ids, times, labels, rows = [], [], [], []
    for build, known in _walk(builds):
        label = label_of(build)
        if label is not None and not build.risk_inputs:
            without_inputs += 1
        elif label is None:
            unlabelled += 1
        else:
            ids.append(f"{build.service}/{build.build_id}")
            times.append(build.started_at.timestamp())
            labels.append(label)
            rows.append(feature_row(build, known))
    left_out: dict[str, int] = {}
    table = _table(source, ids, times, labels, rows, left_out)
    return StoreHistory(table, unlabelled, without_inputs, left_out)


def earlier_builds(build: StoredBuild, stored: Sequence[StoredBuild]) -> list[StoredBuild]:
    """The store's builds (oldest first, as ``stored_builds`` gives them) that training puts
    before ``build``: those before its own record, else (a build not recorded yet, which would
    be recorded last) those that started no later than it."""
    key = (build.service, build.build_id)
    own = next((i for i, b in enumerate(stored) if (b.service, b.build_id) == key), None)
    if own is not None:
        return list(stored[:own])
    return [b for b in stored if b.started_at <= build.started_at]


def decision_row(build: StoredBuild, stored: Sequence[StoredBuild]) -> dict[str, float | None]:
    """The feature row of the build being decided, as training computes it for that build:
    ``build`` carries the risk inputs decided on, when it started and its author; ``stored``
    is every build in the store (``stored_builds``), of which only the earlier ones count."""
    row: dict[str, float | None] = {}
    for current, known in _walk([*earlier_builds(build, stored), build]):
        if current is build:
            row = feature_row(current, known)
    return row


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


def _missing_reasons(names: Sequence[str], why: str) -> dict[str, str]:
    return {name: f"the model needs {name!r}: {why}" for name in names}


def decision_features(
    inputs: Mapping[str, Any],
    started: tuple[datetime, str | None] | None,
    stored: Sequence[StoredBuild],
    store_name: str,
) -> StoreRow:
    """The store-derived features of the build being decided, or why each one cannot be had.

    ``inputs`` are its risk inputs as ``history record`` stores them; ``started`` when it started
    and its author (build-info.json), used when the store holds no record of the build (the
    store's record, when there is one, is what training read). A store without the build and
    without any earlier build of its service is not the store a model learnt from (no --db):
    the features that need history are named missing rather than given their priors."""
    service, build_id = str(inputs.get("service")), str(inputs.get("build_id"))
    own = next((b for b in stored if (b.service, b.build_id) == (service, build_id)), None)
    if own is not None:
        started = (own.started_at, own.author)
    row = inputs_features(inputs)
    lacking = "an input it is derived from is missing in risk-inputs.json"
    missing = _missing_reasons([n for n, v in row.items() if v is None], lacking)
    if started is None:
        why = (
            f"when {service} build {build_id} started is unknown: the history store "
            f"{store_name} holds no record of it and no build-info.json is beside the risk inputs"
        )
        missing.update(_missing_reasons(HISTORY_FEATURES, why))
        return StoreRow(_present(row), missing)
    build = StoredBuild(service, build_id, started[0], "", started[1], dict(inputs))
    if own is None and not any(b.service == service for b in earlier_builds(build, stored)):
        why = (
            f"it is derived from the history store's earlier builds of {service}, and the "
            f"history store {store_name} holds none (decide with --db naming the store the "
            "model learnt from)"
        )
        missing.update(
            _missing_reasons(tuple(n for n in HISTORY_FEATURES if n != "hour_of_day"), why)
        )
        row["hour_of_day"] = _hour(build.started_at)
        return StoreRow(_present(row), missing)
    return StoreRow(_present(decision_row(build, stored)), missing)


def _present(row: Mapping[str, float | None]) -> dict[str, float]:
    return {name: value for name, value in row.items() if value is not None}
