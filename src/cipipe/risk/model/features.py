"""From raw risk inputs to the model's engineered columns: named, deterministic transforms.

The list of transforms is written into model.json, so scoring applies exactly what training
did. Every column records the raw inputs it is derived from; a column's contribution to a
score is attributed to those inputs (split equally when there are several), which keeps the
explanation exactly additive in raw-input terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.history_table import CHANGE_METRICS, RISK_INPUTS
from cipipe.risk.model import ModelError

Floats = NDArray[np.float64]
# The seed's features (Step 3 I), as `cipipe model train --from-db` derives them from the
# history store (store_features.py), next to one 0/1 flag per platform built (PLATFORM_PREFIX).
STORE_FEATURES = (
    "loc_changed",
    "files_changed",
    "unit_tests_failed",
    "integration_failed",
    "coverage_delta",
    "dependency_bump",
    "vulnerabilities_critical",
    "module_failure_rate",
    "author_reliability",
    "repository_reliability",
    "hour_of_day",
    "flakiness_index",
)
PLATFORM_PREFIX = "platform_"
_PLATFORM_RE = re.compile(r"^platform_[a-z0-9][a-z0-9_.-]{0,62}$")
SUPPORTED_INPUTS = tuple(dict.fromkeys((*CHANGE_METRICS, *RISK_INPUTS, *STORE_FEATURES)))
DEFAULT_INPUTS = CHANGE_METRICS
# Used as they are, not as log1p: signed values, rates, flags and clock hours, which the
# log would clip at zero or bend for no reason.
AS_IS_INPUTS = frozenset(
    {
        "coverage_delta",
        "module_failure_rate",
        "dependency_bump",
        "author_reliability",
        "repository_reliability",
        "hour_of_day",
        "flakiness_index",
    }
)


@dataclass(frozen=True)
class Column:
    name: str
    op: str  # see OPS
    inputs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "op": self.op, "inputs": list(self.inputs)}


def _log1p(x: Floats) -> Floats:
    return np.asarray(np.log1p(np.maximum(x, 0.0)), dtype=np.float64)


def _value(x: Floats) -> Floats:
    return x


def _per_size(a: Floats, b: Floats) -> Floats:
    return np.maximum(a, 0.0) / (np.maximum(b, 0.0) + 1.0)


def _log_sum(a: Floats, b: Floats) -> Floats:
    return np.asarray(np.log1p(np.maximum(a, 0.0) + np.maximum(b, 0.0)), dtype=np.float64)


def _per_count(a: Floats, b: Floats) -> Floats:
    return np.maximum(a, 0.0) / np.maximum(b, 1.0)


# op name -> (arity, function); the names are what model.json stores.
OPS: dict[str, tuple[int, Any]] = {
    "log1p": (1, _log1p),  # log(1 + max(x, 0))
    "value": (1, _value),  # x as it is
    "per_size": (2, _per_size),  # max(a, 0) / (max(b, 0) + 1)
    "log_sum": (2, _log_sum),  # log(1 + max(a, 0) + max(b, 0))
    "per_count": (2, _per_count),  # max(a, 0) / max(b, 1)
}
# Interactions of change size, each used only when its inputs are among the model's features.
DERIVED = (
    Column("la_per_lt", "per_size", ("la", "lt")),
    Column("ld_per_lt", "per_size", ("ld", "lt")),
    Column("log_churn", "log_sum", ("la", "ld")),
    Column("la_per_nf", "per_count", ("la", "nf")),
)


def check_inputs(inputs: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(inputs))
    unknown = [n for n in names if n not in SUPPORTED_INPUTS and not _PLATFORM_RE.match(n)]
    if unknown:
        raise ModelError(
            f"unsupported model feature {unknown[0]!r}",
            field="--features",
            expected="some of " + ", ".join(SUPPORTED_INPUTS) + ", platform_<name>",
        )
    if not names:
        raise ModelError("no model feature", field="--features", expected="at least one")
    return names


def plan_columns(inputs: Sequence[str]) -> list[Column]:
    """The engineered columns for these raw inputs: log1p of each (the AS_IS_INPUTS and the
    platform flags as they are), then the interactions whose inputs are all present."""
    names = check_inputs(inputs)
    columns = [
        Column(n, "value", (n,))
        if n in AS_IS_INPUTS or n.startswith(PLATFORM_PREFIX)
        else Column(f"log_{n}", "log1p", (n,))
        for n in names
    ]
    columns += [c for c in DERIVED if all(i in names for i in c.inputs)]
    return columns


def columns_from_json(data: Any) -> list[Column]:
    if not isinstance(data, list):
        raise ModelError("model.json: 'columns' is not a list")
    columns = []
    for item in data:
        try:
            column = Column(str(item["name"]), str(item["op"]), tuple(map(str, item["inputs"])))
        except (KeyError, TypeError) as exc:
            raise ModelError(f"model.json: malformed column {item!r}") from exc
        if column.op not in OPS or OPS[column.op][0] != len(column.inputs):
            raise ModelError(f"model.json: unknown transform {column.op!r} of {column.name!r}")
        columns.append(column)
    return columns


def transform(columns: Sequence[Column], rows: Mapping[str, Any]) -> Floats:
    """The engineered matrix (rows x columns) of raw input arrays (or scalars) by name."""
    needed = list(dict.fromkeys(i for c in columns for i in c.inputs))
    missing = [n for n in needed if n not in rows]
    if missing:
        raise ModelError(
            f"input lacks feature {missing[0]!r} that the model needs",
            field=missing[0],
            expected="the model's features: " + ", ".join(needed),
        )
    raw = {n: np.atleast_1d(np.asarray(rows[n], dtype=np.float64)) for n in needed}
    sizes = {len(v) for v in raw.values()}
    if len(sizes) > 1:
        raise ModelError("feature arrays differ in length", expected="one value per row each")
    for name, values in raw.items():
        if not np.all(np.isfinite(values)):
            raise ModelError(f"feature {name!r} is not a finite number", field=name)
    out = [OPS[c.op][1](*(raw[i] for i in c.inputs)) for c in columns]
    return np.column_stack(out).astype(np.float64) if out else np.empty((0, 0))


def attribution(columns: Sequence[Column], inputs: Sequence[str]) -> Floats:
    """A (columns x inputs) matrix whose rows sum to 1: how each column's contribution is
    shared among the raw inputs it is derived from."""
    share = np.zeros((len(columns), len(inputs)))
    position = {n: i for i, n in enumerate(inputs)}
    for row, column in enumerate(columns):
        for name in column.inputs:
            share[row, position[name]] += 1.0 / len(column.inputs)
    return share
