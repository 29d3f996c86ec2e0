"""Counts are never negative, rates and probabilities stay in 0..1, and nothing is NaN or
infinite: in the models and in the JSON Schemas published from them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from cipipe.contracts.numbers import (
    MAX_COUNT,
    Amount,
    Count,
    Fraction,
    Percent,
    PercentPoints,
    Timeout,
)
from cipipe.contracts.registry import all_contracts, contract_names
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.risk_decision import Contributor
from cipipe.contracts.testing import TestCounts

BOUNDS: list[tuple[Any, list[object], list[object]]] = [
    (Count, [0, 7, MAX_COUNT], [-1, MAX_COUNT + 1, 1.5, "x"]),
    (Amount, [0, 0.5, 1e15], [-0.001, 1e300, math.nan, math.inf]),
    (Fraction, [0, 0.25, 1], [-0.01, 1.01, math.nan, math.inf]),
    (Percent, [0, 55.5, 100], [-1, 100.5, math.nan]),
    (PercentPoints, [-100, -3.2, 0, 100], [-100.1, 101, math.nan, -math.inf]),
    (Timeout, [0.5, 60, 7 * 24 * 3600], [0, -1, 1e308, math.inf]),
]


@pytest.mark.parametrize(("kind", "good", "bad"), BOUNDS)
def test_each_kind_of_number_keeps_its_bounds(
    kind: Any, good: list[object], bad: list[object]
) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    for value in good:
        adapter.validate_python(value)
    for value in bad:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_models_refuse_nan_and_infinity_in_every_float() -> None:
    # points has no bounds of its own; NaN would compare false with any threshold.
    good = {"feature": "f", "raw_value": 1, "status": "measured", "points": 2.5, "rule": "r"}
    Contributor.model_validate(good)
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValidationError, match="finite number"):
            Contributor.model_validate(good | {"points": value})


def test_negative_test_counts_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        TestCounts(failed=-1)
    assert caught.value.errors()[0]["loc"] == ("failed",)


COUNT_NAMES = {
    "total", "passed", "failed", "skipped", "disabled", "flaky", "errors", "size", "bytes_sent",
    "attempts", "files_skipped", "critical", "high", "medium", "low", "unknown", "components",
    "advisories", "files_changed", "lines_added", "lines_deleted", "added", "deleted",
    "lines_covered", "lines_valid", "branches_covered", "branches_valid", "files_checked",
    "error", "warning", "note", "line", "column", "ns", "nd", "nf", "la", "ld", "lt", "ndev",
    "nuc", "releases", "failures", "tp", "fp", "tn", "fn", "gated", "rows", "rows_read",
    "bad_rows",
}  # fmt: skip
FRACTION_NAMES = {"failure_rate", "probability", "tpr", "fpr", "precision", "recall", "auc"}


def numeric_properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(definition, property, its number or integer schema) for every numeric property."""
    definitions = {"(top)": schema, **schema.get("$defs", {})}
    for definition, body in definitions.items():
        for name, prop in body.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") in {"integer", "number"}:
                    yield definition, name, option


@pytest.mark.parametrize("name", contract_names())
def test_every_count_and_rate_has_its_bounds_in_the_schema(name: str) -> None:
    model: type[BaseModel] = all_contracts()[name]
    found = list(numeric_properties(model.model_json_schema()))
    for definition, prop, schema in found:
        if prop in COUNT_NAMES:
            assert schema.get("minimum") == 0, (definition, prop, schema)
        if prop in FRACTION_NAMES:
            assert (schema.get("minimum"), schema.get("maximum")) == (0, 1), (definition, prop)


def test_timeouts_in_the_config_are_bounded() -> None:
    schema = RepoConfig.model_json_schema()
    timeouts = [
        (definition, prop, option)
        for definition, prop, option in numeric_properties(schema)
        if prop.startswith("timeout")
    ]
    assert len(timeouts) >= 3
    for definition, prop, option in timeouts:
        assert "maximum" in option, (definition, prop)
