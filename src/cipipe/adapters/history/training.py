"""Every build with what was recorded after it, read-only, for ``cipipe model train --from-db``
and for the decisions of the model it trains (decide-strategy, ``cipipe model serve``).

The model's features need more than one row per labelled build: an author's reliability is
judged on the builds before, whether or not those were labelled, and only by what was known
when a build started. So ``HistoryStore.training_builds`` returns every build, oldest first,
with its outcomes and their times; which ones become training rows is the risk layer's choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cipipe.adapters.history.interface import OutcomeResult


@dataclass(frozen=True)
class StoredBuild:
    service: str
    build_id: str
    started_at: datetime
    result: str
    author: str | None
    risk_inputs: dict[str, Any] | None
    outcomes: list[tuple[OutcomeResult, datetime]] = field(default_factory=list)
