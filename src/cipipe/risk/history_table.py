"""Labelled release history as columns: what backtests and models learn from (seed E, I).

A history is a CSV, JSON lines or Parquet file, or the history store. Only the columns named
as features (or, by default, the known numeric risk features present) are ever used as
features: identifiers, dates and copies of the label would leak the answer. A row that cannot
be read is counted with its reason, never dropped silently.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cipipe.contracts.loading import require_regular_file
from cipipe.errors import InputError

# Kamei et al.'s change metrics (as cipipe's risk inputs name them) and cipipe's own numeric
# risk inputs: the default features, when the history has them.
CHANGE_METRICS = (
    "ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp",
    "sexp",
)  # fmt: skip
RISK_INPUTS = (
    "lines_added",
    "lines_deleted",
    "files_changed",
    "unit_tests_failed",
    "unit_tests_flaky",
    "integration_failed",
    "test_errors",
    "coverage_delta",
    "dependencies_new",
    "dependencies_updated",
    "vulnerabilities_critical",
    "vulnerabilities_high",
    "vulnerabilities_medium",
    "module_failure_rate",
    "heuristic_score",
)
KNOWN_FEATURES = CHANGE_METRICS + RISK_INPUTS
# Spellings other datasets use for the same metric (the ISSTA'21 JIT data writes "entrophy").
ALIASES = {"entrophy": "entropy"}
GROUP_COLUMNS = ("service", "platform")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_TRUE = {"1", "true", "yes", "failed", "failure"}
_FALSE = {"0", "false", "no", "ok", "success"}


@dataclass(frozen=True)
class BadRow:
    row: int  # 1-based data row
    reason: str


@dataclass
class HistoryTable:
    """Rows sorted by time, oldest first."""

    source: str
    ids: list[str]
    times: NDArray[np.float64]  # epoch seconds
    labels: NDArray[np.int8]  # 1 = the release failed
    features: dict[str, NDArray[np.float64]]
    groups: dict[str, list[str]] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def feature_names(self) -> list[str]:
        return list(self.features)

    def take(self, index: NDArray[np.intp] | slice) -> HistoryTable:
        positions = np.arange(len(self))[index]
        return replace(
            self,
            ids=[self.ids[i] for i in positions],
            times=self.times[positions],
            labels=self.labels[positions],
            features={k: v[positions] for k, v in self.features.items()},
            groups={k: [v[i] for i in positions] for k, v in self.groups.items()},
        )

    def matrix(self, names: Sequence[str]) -> NDArray[np.float64]:
        return (
            np.column_stack([self.features[n] for n in names])
            if names
            else np.empty((len(self), 0))
        )


def _label(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise ValueError(f"label {value!r} is not 0/1")


def _time(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {value!r} is neither epoch seconds nor ISO 8601") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _number(value: Any, column: str) -> float:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{column} {value!r} is not a finite number")
    return number


def _records(path: Path) -> Iterator[Mapping[str, Any]]:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"unknown history format {path.suffix!r}",
            file=str(path),
            expected="csv, jsonl or parquet",
        )
    require_regular_file(path)  # a FIFO would block the reader for ever
    if kind == "parquet":
        from cipipe.extras import require_extra

        require_extra("parquet", command=f"the Parquet history {path}")
        import pyarrow.parquet as pq  # only Parquet histories pay for pyarrow

        yield from pq.read_table(path).to_pylist()
        return
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            yield from csv.DictReader(handle) if kind == "csv" else _json_lines(handle)
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path), expected="a UTF-8 history") from None


def _json_lines(lines: Iterable[str]) -> Iterator[Mapping[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"__error__": f"line {number}: not JSON ({exc.msg})"}
            continue
        except (ValueError, RecursionError):  # a 5,000-digit number; deep nesting
            yield {"__error__": f"line {number}: not JSON a history can hold"}
            continue
        yield record if isinstance(record, dict) else {"__error__": "not an object"}


def _canonical(record: Mapping[str, Any]) -> dict[str, Any]:
    return {canonical_name(str(k)): v for k, v in record.items()}


def canonical_name(name: str) -> str:
    """The name cipipe uses for a column another dataset spells differently."""
    return ALIASES.get(name, name)


def canonical_names(names: Sequence[str]) -> list[str]:
    """User-given feature names as the loader names the columns (``entrophy`` -> ``entropy``),
    in order, each once: the rows are read through the same aliases, so both must agree."""
    return list(dict.fromkeys(canonical_name(n) for n in names))


@dataclass(frozen=True)
class _Columns:
    """Which columns of the history at ``source`` are the label, the time and the row id."""

    source: str
    label: str
    time: str
    id_column: str | None


@dataclass(frozen=True)
class _Row:
    id: str
    time: float
    label: int
    values: list[float]
    groups: dict[str, str]


def _missing_column(columns: _Columns, name: str) -> InputError:
    return InputError(
        f"no column {name!r}",
        file=columns.source,
        field=name,
        expected="a column of the history",
    )


def _known_features(record: Mapping[str, Any], columns: _Columns) -> list[str]:
    """The known features the first readable row has, apart from the label, the time and the
    id, which would leak the answer."""
    for required in (columns.label, columns.time):
        if required not in record:
            raise _missing_column(columns, required)
    leaked = {columns.label, columns.time, columns.id_column}
    chosen = [f for f in KNOWN_FEATURES if f in record and f not in leaked]
    if not chosen:
        raise InputError(
            "no known numeric feature column",
            file=columns.source,
            field="--features",
            expected="e.g. " + ", ".join(KNOWN_FEATURES[:6]),
        )
    return chosen


def _first_row_groups(
    record: Mapping[str, Any], columns: _Columns, chosen: Sequence[str]
) -> list[str]:
    """Checks that the first row has every column that is read; the group columns it has
    besides the features."""
    id_columns = [columns.id_column] if columns.id_column else []
    for name in [columns.label, columns.time, *chosen, *id_columns]:
        if name not in record:
            raise _missing_column(columns, name)
    return [g for g in GROUP_COLUMNS if g in record and g not in chosen]


def _row(
    record: Mapping[str, Any],
    number: int,
    chosen: Sequence[str],
    columns: _Columns,
    groups: Sequence[str],
) -> _Row:
    """One row's values; a ValueError says why the row cannot be read."""
    values = [_number(record.get(name), name) for name in chosen]
    row_label = _label(record.get(columns.label))
    row_time = _time(record.get(columns.time))
    row_id = str(record.get(columns.id_column)) if columns.id_column else str(number)
    return _Row(row_id, row_time, row_label, values, {g: str(record.get(g, "")) for g in groups})


def _table(
    source: str,
    rows: list[_Row],
    names: Sequence[str],
    groups: Sequence[str],
    bad: list[BadRow],
) -> HistoryTable:
    rows.sort(key=lambda r: r.time)
    matrix = np.array([r.values for r in rows], dtype=np.float64).reshape(len(rows), len(names))
    return HistoryTable(
        source=source,
        ids=[r.id for r in rows],
        times=np.array([r.time for r in rows], dtype=np.float64),
        labels=np.array([r.label for r in rows], dtype=np.int8),
        features={name: matrix[:, i].copy() for i, name in enumerate(names)},
        groups={g: [r.groups[g] for r in rows] for g in groups},
        bad_rows=bad,
    )


def table_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    source: str,
    label: str,
    time: str,
    features: Sequence[str] | None = None,
    id_column: str | None = None,
) -> HistoryTable:
    columns = _Columns(source, label, time, id_column)
    rows: list[_Row] = []
    bad: list[BadRow] = []
    chosen = canonical_names(features) if features is not None else None
    groups_present: list[str] = []
    for number, raw in enumerate(records, start=1):
        if "__error__" in raw:
            bad.append(BadRow(number, str(raw["__error__"])))
            continue
        record = _canonical(raw)
        if chosen is None:  # the first row decides which known features the history has
            chosen = _known_features(record, columns)
        if number == 1:
            groups_present = _first_row_groups(record, columns, chosen)
        try:
            rows.append(_row(record, number, chosen, columns, groups_present))
        except ValueError as exc:
            bad.append(BadRow(number, str(exc)))
    names = chosen or canonical_names(features or [])
    return _table(source, rows, names, groups_present, bad)


def load_history(
    path: Path,
    *,
    label: str,
    time: str,
    features: Sequence[str] | None = None,
    id_column: str | None = None,
) -> HistoryTable:
    if not path.is_file():
        raise InputError(
            "history file not found", file=str(path), expected="a CSV, JSONL or Parquet file"
        )
    return table_from_records(
        _records(path),
        source=str(path),
        label=label,
        time=time,
        features=features,
        id_column=id_column,
    )


def apply_label_lag(table: HistoryTable, lag_seconds: float) -> tuple[HistoryTable, int]:
    """Drop the rows newer than ``lag_seconds`` before the end of the history: their failures
    may not have been found yet. Returns the kept rows and how many were dropped."""
    if not len(table) or lag_seconds <= 0:
        return table, 0
    cutoff = float(table.times.max()) - lag_seconds
    keep = np.flatnonzero(table.times <= cutoff)
    return table.take(keep), len(table) - len(keep)


def chronological_split(
    table: HistoryTable, train_fraction: float = 0.8
) -> tuple[HistoryTable, HistoryTable]:
    """The oldest ``train_fraction`` of the rows to train on, the newest to test on."""
    cut = round(len(table) * train_fraction)
    return table.take(slice(0, cut)), table.take(slice(cut, len(table)))
