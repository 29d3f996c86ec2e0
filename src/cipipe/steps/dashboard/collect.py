"""Read the history store into plain values for the dashboard: a handful of bulk queries.

Everything here comes from the store and is untrusted text; escaping is the renderer's job.
The order of every list is fixed (by time, then by the store's ids), so the same store gives
the same dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cipipe.adapters.history.audit_records import StoredDecision
from cipipe.adapters.history.interface import HistoryStore

Verdict = Literal["passed", "needs-attention", "rejected", "aborted", "unknown"]
VERDICTS: Mapping[str, Verdict] = {
    "success": "passed",
    "unstable": "needs-attention",
    "failure": "rejected",
    "aborted": "aborted",
}


@dataclass(frozen=True)
class DashboardContributor:
    feature: str
    raw_value: str
    status: str
    points: float
    rule: str


@dataclass(frozen=True)
class Override:
    rule: str
    effect: str
    reason: str


@dataclass(frozen=True)
class DecisionView:
    """One logged decision; text fields hold what the document said, "" when it said nothing."""

    seq: int
    decided_at: datetime
    decided_by: str
    mode: str
    policy_version: str
    policy_source: str  # builtin, folder or url; "" when recorded before cipipe noted it
    model_version: str | None
    risk_score: float
    recommended: str
    applied: str
    manual_approval: bool
    approval_reasons: tuple[str, ...]
    contributors: tuple[DashboardContributor, ...]
    overrides: tuple[Override, ...]
    pace: Mapping[str, object]
    applied_pace: Mapping[str, object]
    mode_reason: str
    document: Mapping[str, object]


@dataclass(frozen=True)
class OutcomeView:
    result: str
    at: datetime
    note: str | None
    recorded_by: str | None


@dataclass(frozen=True)
class BuildView:
    service: str
    build_id: str
    started_at: datetime
    result: str
    source: str
    commit: str | None
    branch: str | None
    author: str | None
    modules: tuple[str, ...]
    platforms: tuple[str, ...]  # built: an artifact was shipped for each
    # Planned but no artifact: skipped for want of a toolchain, or failed.
    not_built: tuple[str, ...]
    outcomes: tuple[OutcomeView, ...]
    decisions: tuple[DecisionView, ...]

    @property
    def verdict(self) -> Verdict:
        return VERDICTS.get(self.result, "unknown")

    @property
    def decision(self) -> DecisionView | None:
        """The latest decision (by time, then by place in the log)."""
        if not self.decisions:
            return None
        return max(self.decisions, key=lambda d: (d.decided_at, d.seq))


@dataclass(frozen=True)
class ModuleRate:
    service: str
    module: str
    failed: int
    total: int

    @property
    def rate(self) -> float:
        return self.failed / self.total if self.total else 0.0


def collect_builds(
    store: HistoryStore, services: Sequence[str], limit: int
) -> dict[str, list[BuildView]]:
    """The newest ``limit`` builds of each service, newest first, with their modules,
    outcomes and decisions."""
    records = store.latest_builds(services, limit)
    done = store.outcomes_of((r.service, r.build_id) for r in records)
    by_build: dict[tuple[str, str], list[DecisionView]] = {}
    for service in services:
        for stored in store.decisions(service):
            key = (stored.decision.service, stored.decision.build_id)
            by_build.setdefault(key, []).append(decision_view(stored))
    found: dict[str, list[BuildView]] = {s: [] for s in services}
    for r in records:
        key = (r.service, r.build_id)
        built, not_built = _platforms(r.risk_inputs)
        found[r.service].append(
            BuildView(
                service=r.service,
                build_id=r.build_id,
                started_at=r.started_at,
                result=r.result,
                source=r.source,
                commit=r.commit,
                branch=r.branch,
                author=r.author,
                modules=r.modules,
                platforms=built,
                not_built=not_built,
                outcomes=tuple(
                    OutcomeView(o.result, o.at, o.note, o.recorded_by) for o in done.get(key, ())
                ),
                decisions=tuple(by_build.get(key, ())),
            )
        )
    return found


def list_services(store: HistoryStore, only: str | None) -> list[str]:
    """Services with builds, sorted; just ``only`` when given (even when it has none)."""
    return [only] if only is not None else store.services()


def module_rates(
    store: HistoryStore, services: Sequence[str], *, since: datetime, now: datetime
) -> list[ModuleRate]:
    """What ``HistoryStore.failure_rate`` answers for one module, for every module of
    ``services`` at once: builds started in [since, now] that failed or went bad later."""
    rates = [
        ModuleRate(m.service, m.module, m.failed, m.total)
        for m in store.module_failures(services, since=since, now=now)
    ]
    return sorted(rates, key=lambda r: (-r.rate, -r.total, r.service, r.module))


def decision_view(stored: StoredDecision) -> DecisionView:
    """The parts of a logged decision the pages show; a document missing a field (an older
    cipipe, a hand-made record) shows that field as empty rather than failing."""
    d = stored.decision
    body = _mapping(d.document.get("decision"))
    apply = _mapping(body.get("apply"))
    return DecisionView(
        seq=stored.id,
        decided_at=d.decided_at,
        decided_by=d.decided_by,
        mode=d.mode,
        policy_version=d.policy_version,
        policy_source=_text(_mapping(body.get("policy")).get("policy_source")),
        model_version=d.model_version,
        risk_score=d.risk_score,
        recommended=_text(body.get("recommended_strategy")) or d.strategy,
        applied=_text(apply.get("strategy")),
        manual_approval=body.get("manual_approval_required") is True,
        approval_reasons=tuple(_text(r) for r in _list(body.get("manual_approval_reasons"))),
        contributors=tuple(
            DashboardContributor(
                feature=_text(c.get("feature")),
                raw_value=_text(c.get("raw_value")),
                status=_text(c.get("status")),
                points=_number(c.get("points")),
                rule=_text(c.get("rule")),
            )
            for c in map(_mapping, _list(body.get("top_contributors")))
        ),
        overrides=tuple(
            Override(_text(o.get("rule")), _text(o.get("effect")), _text(o.get("reason")))
            for o in map(_mapping, _list(body.get("overrides_applied")))
        ),
        pace=_mapping(body.get("suggested_pace")),
        applied_pace=_mapping(apply.get("pace")),
        mode_reason=_text(body.get("mode_reason")),
        document=d.document,
    )


def _platforms(
    risk_inputs: Mapping[str, object] | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The platforms built (an artifact shipped) and those planned but not built, from the
    build's risk inputs: a platform skipped for want of a toolchain must not read as built."""
    data = _mapping(risk_inputs)
    targets = tuple(dict.fromkeys(_text(t) for t in _list(data.get("targets"))))
    if "artifacts" not in data:
        return targets, ()  # recorded before cipipe listed the artifacts: as it was shown then
    shipped = {_text(_mapping(a).get("platform")) for a in _list(data.get("artifacts"))}
    built = tuple(t for t in targets if t in shipped)
    return built, tuple(t for t in targets if t not in shipped)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
