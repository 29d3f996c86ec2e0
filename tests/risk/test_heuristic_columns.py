"""The vectorized heuristic scores every row exactly as the per-decision heuristic does."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.risk.heuristic_columns import clamp_scores, plan, round_points
from cipipe.risk.heuristic_columns import score_before_clamp_columns as before_clamp
from tests.risk.decide_rules import BUNDLE, QUIET, run
from tests.risk.riskinputs import SERVICE, text

COUNTS = st.integers(min_value=0, max_value=5000)
ROW = st.fixed_dictionaries(
    {
        "lines_added": COUNTS,
        "lines_deleted": COUNTS,
        "files_changed": st.integers(0, 400),
        "unit_tests_failed": st.integers(0, 30),
        "test_errors": st.integers(0, 5),
        "integration_failed": st.integers(0, 3),
        "dependencies_new": st.integers(0, 3),
        "dependencies_updated": st.integers(0, 3),
        "vulnerabilities_critical": st.integers(0, 2),
        "coverage_delta": st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 3)),
        "module_failure_rate": st.floats(0, 1, allow_nan=False),
    }
)
CRITICALITY = st.sampled_from(["normal", "high", "low"])
SERVICES = st.sampled_from([SERVICE, "payments"])
CONTEXT = st.fixed_dictionaries(
    {
        "production_qps": st.floats(0, 5000, allow_nan=False),
        "peak_business": st.booleans(),
        "last_release_rolled_back": st.booleans(),
    }
)


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(ROW, CONTEXT, CRITICALITY, SERVICES), min_size=1, max_size=6))
def test_vectorized_and_per_decision_scores_agree_exactly(
    rows: list[tuple[dict[str, Any], dict[str, Any], str, str]],
) -> None:
    decisions = [
        run(
            inputs={**row, "criticality": text(crit), "service": service},
            context={**QUIET, **context},
        ).decision
        for row, context, crit, service in rows
    ]
    columns = _columns([{**row, **context} for row, context, _, _ in rows])
    criticality = [crit for _, _, crit, _ in rows]
    services = [service for *_, service in rows]
    # The two steps the backtest takes (risk/backtest/replay.py replay): the score before the clamp,
    # then the clamp.
    before = before_clamp(columns, BUNDLE, criticality=criticality, services=services)
    scores = clamp_scores(before, BUNDLE)
    assert [d.risk_score for d in decisions] == scores.tolist()
    assert [d.score_before_clamp for d in decisions] == before.tolist()


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_rounding_matches_python(value: float) -> None:
    assert round_points(np.array([value]))[0] == round(value, 4) + 0.0


def test_history_spellings_and_absent_features() -> None:
    found = plan({"la": np.zeros(1), "ld": np.zeros(1), "nf": np.zeros(1)})
    assert found.used == {"lines_changed": ("la", "ld"), "files_changed": ("nf",)}
    assert "failed_unit_tests" in found.absent and "high_traffic" in found.absent
