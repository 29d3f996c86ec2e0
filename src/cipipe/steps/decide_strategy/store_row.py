"""The features a ``model train --from-db`` model learnt from the history store, for the build
being decided: read from the same store, derived by the same code as in training
(``store_features.decision_features``), only when the model needs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from cipipe.adapters.history.interface import HistoryStore
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.risk.model.decision_score import ModelChoice, StoreRow, needs_store

Started = tuple[datetime, str | None]  # when the build started, its author (build-info.json)


def store_row(history: HistoryStore, inputs: RiskInputs, started: Started | None) -> StoreRow:
    """The build's store-derived features; the store is read whole, as training reads it, since
    an author's reliability counts their builds of every service."""
    from cipipe.risk.model.store_features import decision_features

    # The risk inputs exactly as `cipipe history record` stores them, and training reads them.
    recorded = inputs.model_dump(mode="json", by_alias=True)
    return decision_features(recorded, started, history.training_builds(), history.url)


def with_store_row(
    choice: ModelChoice | None, derive: Callable[[], StoreRow]
) -> ModelChoice | None:
    """``choice`` with the build's store-derived features when its model needs any."""
    if choice is None or choice.model is None or choice.store_row is not None:
        return choice
    if not needs_store(list(choice.model.features)):
        return choice
    return replace(choice, store_row=derive())


def recorded_row(history: HistoryStore) -> Callable[[RiskInputs], StoreRow]:
    """For ``cipipe model serve``, which has no build-info.json: a build's store-derived
    features from its record in ``history`` (the row decide-strategy derives for it)."""
    return lambda inputs: store_row(history, inputs, None)
