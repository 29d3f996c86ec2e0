"""cipipe shadow report's reading side: shadow decisions and the outcomes of their builds from
the history store, joined by the pure report in cipipe.risk.shadow.report (also used by the
dashboard)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from cipipe.adapters.history.interface import HistoryStore
from cipipe.risk.shadow.report import (
    EnforcementRules,
    ShadowDecision,
    ShadowReport,
    build_report,
    decision_from_log,
)


def shadow_decisions(
    store: HistoryStore,
    services: Sequence[str | None],
    *,
    include_enforced: bool = False,
    since: datetime | None = None,
) -> list[ShadowDecision]:
    """The logged decisions of each of ``services`` (None: every service), shadow-mode only
    unless ``include_enforced``."""
    found = []
    for service in services:
        for s in store.decisions(service, mode=None if include_enforced else "shadow", since=since):
            d = s.decision
            found.append(
                decision_from_log(
                    service=d.service,
                    build_id=d.build_id,
                    decided_at=d.decided_at,
                    mode=d.mode,
                    strategy=d.strategy,
                    document=d.document,
                    seq=s.id,
                )
            )
    return found


def outcome_results(
    store: HistoryStore, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    """The outcome results of each (service, build_id) in ``keys`` that has any, oldest first,
    in one read of the store."""
    return {key: [o.result for o in found] for key, found in store.outcomes_of(keys).items()}


def shadow_report(
    store: HistoryStore,
    rules: EnforcementRules,
    *,
    services: Sequence[str | None] = (None,),
    include_enforced: bool = False,
    since: datetime | None = None,
    policy_version: str | None = None,
    policy_source: str | None = None,
) -> ShadowReport:
    decisions = shadow_decisions(store, services, include_enforced=include_enforced, since=since)
    keys = {(d.service, d.build_id) for d in decisions}
    outcomes = outcome_results(store, keys)
    only = services[0] if len(services) == 1 else None
    return build_report(
        decisions,
        outcomes,
        rules,
        include_enforced=include_enforced,
        service=only,
        since=since,
        policy_version=policy_version,
        policy_source=policy_source,
        # The store read the same decisions the report counts: any of their builds made up
        # by ``cipipe history seed`` makes the whole report illustrative.
        synthetic="synthetic" in store.build_sources(keys),
    )
