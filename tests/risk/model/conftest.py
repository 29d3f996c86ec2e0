from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cipipe.risk.model.train import TrainedModel, train_model
from tests.risk.model.histories import generated

NOW = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def trained() -> TrainedModel:
    return train_model(generated(3000), now=NOW)
