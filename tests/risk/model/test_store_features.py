"""The seed's features derived from the store use only what was known when a build started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from cipipe.adapters.history.interface import OutcomeResult
from cipipe.adapters.history.training import StoredBuild
from cipipe.contracts.risk_inputs import Number, RiskInputs
from cipipe.risk.model.decision_score import STORE_DERIVED, StoreRow, model_row, store_derived
from cipipe.risk.model.features import STORE_FEATURES
from cipipe.risk.model.store_features import FLAKY_WINDOW, store_history
from tests.risk.riskinputs import make_risk_inputs

T0 = datetime(2026, 2, 1, 8, 30, tzinfo=UTC)


def inputs(flaky: int = 0, **numbers: float) -> dict[str, Any]:
    values = {"lines_added": 10, "lines_deleted": 5, "dependencies_new": 0,
              "dependencies_updated": 0, "unit_tests_flaky": flaky, "files_changed": 1,
              "unit_tests_failed": 0, "integration_failed": 0, "coverage_delta": -0.5,
              "vulnerabilities_critical": 0, "module_failure_rate": 0.1, **numbers}  # fmt: skip
    return {k: {"value": v, "status": "measured"} for k, v in values.items()} | {
        "targets": ["linux"]
    }


def build(number: int, hours: float, author: str, outcomes: list[tuple[OutcomeResult, float]],
          result: str = "success", **kwargs: Any) -> StoredBuild:  # fmt: skip
    return StoredBuild(
        service="orders",
        build_id=str(number),
        started_at=T0 + timedelta(hours=hours),
        result=result,
        author=author,
        risk_inputs=inputs(**kwargs),
        outcomes=[(r, T0 + timedelta(hours=h)) for r, h in outcomes],
    )


def test_reliability_counts_an_outcome_only_once_it_was_recorded() -> None:
    builds = [
        build(1, 0, "ann", [("rollback", 10)]),  # ann's first build, rolled back at 10 h
        build(2, 5, "ann", [("ok", 30)]),  # started before that rollback was known
        build(3, 20, "ann", [("ok", 30)]),  # started after it
        build(4, 21, "bob", [("ok", 30)], result="failure"),
        build(5, 22, "bob", [("ok", 30)]),
    ]
    history = store_history(builds, "test")
    table = history.table
    by_id = {i: n for n, i in enumerate(table.ids)}
    author = table.features["author_reliability"]
    assert author[by_id["orders/1"]] == 0.5  # nobody known yet: the prior
    assert author[by_id["orders/2"]] == 2 / 3  # one judged, not yet known wrong
    assert author[by_id["orders/3"]] == 2 / 4  # two judged, one wrong
    assert author[by_id["orders/5"]] == 1 / 3  # bob's failed build counts at once
    service = table.features["repository_reliability"]
    assert service[by_id["orders/3"]] == (2 - 1 + 1) / 4
    assert service[by_id["orders/5"]] == (4 - 2 + 1) / 6
    assert list(table.labels) == [1, 0, 0, 0, 0]
    assert table.features["hour_of_day"][0] == 8.5
    assert table.features["loc_changed"][0] == 15
    assert table.features["coverage_delta"][0] == -0.5  # signed, as it is
    assert table.features["platform_linux"].tolist() == [1.0] * 5


def test_unlabelled_builds_feed_the_history_but_are_not_rows() -> None:
    builds = [build(i, i, "ann", [], flaky=1) for i in range(1, 4)]
    builds += [build(i, i, "ann", [("ok", 100)], dependencies_updated=1) for i in range(4, 30)]
    history = store_history(builds, "test")
    assert history.unlabelled == 3 and len(history.table) == 26
    flakiness = history.table.features["flakiness_index"]
    assert flakiness[0] == 3 / 4  # three flaky of the last four, this one included
    assert flakiness[-1] == 0.0  # the flaky ones are out of the last FLAKY_WINDOW
    assert len(builds) - 3 > FLAKY_WINDOW
    assert np.all(history.table.features["dependency_bump"] == 1.0)
    assert history.table.features["author_reliability"][0] == 4 / 5


def test_the_store_derived_names_are_the_features_risk_inputs_do_not_hold() -> None:
    fields = RiskInputs.model_fields
    as_they_are = {n for n in STORE_FEATURES if n in fields and fields[n].annotation is not None}
    assert all(issubclass(fields[n].annotation, Number) for n in as_they_are)  # type: ignore[arg-type]
    assert set(STORE_FEATURES) - as_they_are == STORE_DERIVED
    assert store_derived("platform_arm") and not store_derived("la")


def test_a_missing_store_feature_is_named_and_an_untargeted_platform_is_zero() -> None:
    risk = make_risk_inputs()
    row = StoreRow({"hour_of_day": 9.5}, {"author_reliability": "no store of orders"})
    got = model_row(["hour_of_day", "platform_zz", "files_changed"], risk, 40, row)
    assert got == {"hour_of_day": 9.5, "platform_zz": 0.0, "files_changed": 3.0}
    with pytest.raises(LookupError, match="no store of orders"):
        model_row(["author_reliability"], risk, 40, row)
    with pytest.raises(LookupError, match="'flakiness_index', derived from the history store"):
        model_row(["flakiness_index"], risk, 40, None)
    with pytest.raises(LookupError, match="'loc_changed', which the history store did not"):
        model_row(["loc_changed"], risk, 40, row)
