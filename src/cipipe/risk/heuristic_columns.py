"""The heuristic of ``heuristic.py`` over whole columns of a release history (seed Step 3 E).

The terms come from ``heuristic.TERMS``, so a weight or a feature added there is scored here
the same way; rounding follows ``score()`` step by step (every term to 4 decimals, the
subtotal, the criticality share, the total, then half-up to an integer and the clamp), so a
row scores exactly what the per-decision heuristic gives the same numbers.

What a history cannot say is left out, and listed: a feature whose columns the history does
not have contributes 0 (its ``missing_inputs`` points are for a missing report at decision
time, not for a dataset without the column), and the path and platform modifiers (hardware
penalty, firmware/ARM shift, Windows driver signing) need the changed paths, which a history
row does not carry. The per-service ``score_shift`` is applied when a service column exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from numpy.typing import NDArray

from cipipe.risk.heuristic import TERMS, Term
from cipipe.risk.policy.bundle import PolicyBundle

Floats = NDArray[np.float64]
# Modifiers of score() that need a change's paths or platforms, which a history row lacks.
NOT_REPLAYED = ("hardware_penalty", "firmware_arm_shift", "windows_driver_signing")


@dataclass(frozen=True)
class ColumnPlan:
    """Which history columns feed which term, and the terms the history cannot feed."""

    used: dict[str, tuple[str, ...]]  # feature -> the columns summed for it
    absent: list[str]  # features whose columns the history does not have


def plan(columns: Mapping[str, Floats]) -> ColumnPlan:
    used: dict[str, tuple[str, ...]] = {}
    absent: list[str] = []
    for term in TERMS:
        found = next((c for c in term.columns if all(name in columns for name in c)), None)
        if found is None:
            absent.append(term.feature)
        else:
            used[term.feature] = found
    return ColumnPlan(used=used, absent=absent)


def round_points(values: Floats) -> Floats:
    """``round(x, 4) + 0.0`` of every value, exactly as Python rounds a float.

    numpy's rounding (scale, round half even, unscale) agrees with Python's correctly rounded
    ``round`` except where the scaled value lies within a hair of a half; those few values
    are rounded by Python itself."""
    rounded = np.round(values, 4)
    scaled = values * 10_000.0
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in np.flatnonzero(near_half):
        rounded[index] = round(float(values[index]), 4)
    return rounded + 0.0


def _half_up(values: Floats) -> NDArray[np.int64]:
    """``int(Decimal(str(x)).quantize(1, ROUND_HALF_UP))`` for every value."""
    result = (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)
    frac = np.abs(values) - np.floor(np.abs(values))
    for index in np.flatnonzero(np.abs(frac - 0.5) < 1e-6):
        exact = Decimal(str(float(values[index]))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        result[index] = int(exact)
    return result


def _term_points(
    term: Term, names: tuple[str, ...], columns: Mapping[str, Floats], bundle: PolicyBundle
) -> Floats:
    value = columns[names[0]].astype(np.float64)
    for name in names[1:]:
        value = value + columns[name]
    weight = term.weight(bundle)
    if term.kind == "per":
        return value / term.unit * weight
    on = value > 0 if term.kind == "flag" else value >= term.threshold(bundle)
    return np.where(on, weight, 0.0)


def _rows(columns: Mapping[str, Floats]) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def score_before_clamp_columns(
    columns: Mapping[str, Floats],
    bundle: PolicyBundle,
    *,
    criticality: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
) -> Floats:
    """``Score.score_before_clamp`` of every row."""
    rows = _rows(columns)
    used = plan(columns).used
    subtotal = np.zeros(rows, dtype=np.float64)
    for term in TERMS:
        if term.feature in used:
            subtotal = subtotal + round_points(
                _term_points(term, used[term.feature], columns, bundle)
            )
    factors = bundle.weights.criticality_factors
    if criticality is None:
        factor = np.full(rows, float(factors.normal))
    else:
        factor = np.array([float(getattr(factors, c or "normal")) for c in criticality])
    total = subtotal + round_points(round_points(subtotal) * (factor - 1))
    if services is not None:
        shifts = {n: float(o.score_shift) for n, o in bundle.thresholds.services.items()}
        if any(shifts.values()):
            total = total + np.array([shifts.get(s, 0.0) for s in services])
    return round_points(total)


def clamp_scores(before_clamp: Floats, bundle: PolicyBundle) -> NDArray[np.int64]:
    clamp = bundle.weights.clamp
    return np.clip(_half_up(before_clamp), clamp.min, clamp.max)
