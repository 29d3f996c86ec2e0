"""The shadow-mode report: were the risk decisions right, and may a service start enforcing?

Decisions made in shadow mode are recorded but not acted on, so each one can be checked later
against what happened to the build it judged (its outcomes in the history store).

Definitions:

- A **positive call** is a decision that *recommended* caution: a blue-green rollout or a manual
  approval. The decision's recommendation counts, not what shadow mode applied meanwhile.
- A build **failed** when any outcome recorded for it is a rollback or an SLO breach
  (``BAD_OUTCOMES``). It went **ok** when it has outcomes and none of them is bad. A hotfix
  outcome alone is not a failure (the release itself held); such builds count as ok and are
  also counted under ``hotfix``, so a reader can see how many "ok" builds needed one.
- A build with no outcome yet is **pending**: counted, but left out of every rate.
- TP = positive call, failed; FP = positive call, ok; TN = no positive call, ok;
  FN = no positive call, failed. FPR = FP / (FP + TN); TPR (recall) = TP / (TP + FN); either is
  None when its denominator is 0.
- ``by_strategy`` counts the builds that would have been rolled out blue-green / canary /
  rolling, by outcome (ok / failed / pending).

Only shadow decisions count unless enforced ones are asked for too. When a build was decided
more than once, only its latest decision (by ``decided_at``, then by order in the log) counts;
the mode filter applies first. Results are grouped per service, per ISO week of ``decided_at``
(UTC, e.g. ``2026-W09``) and overall.

A service is **ready to enforce** when at least ``min_shadow_releases`` of its decisions have a
known outcome, it has at least one negative (an ok build) so its FPR is defined, and that FPR is
at or below its threshold (the service's ``max_false_positive_rate`` override, else the
default). Every unmet condition is reported as a reason.

A report over any build that ``cipipe history seed`` made up says so (``synthetic``, and
``SYNTHETIC_BANNER`` wherever it is shown): its figures illustrate, they judge nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from cipipe import __version__
from cipipe.adapters.history.interface import BAD_OUTCOMES
from cipipe.risk.policy.bundle import PolicyBundle

BAD_RESULTS = frozenset(BAD_OUTCOMES)
STRATEGIES = ("blue-green", "canary", "rolling")
OutcomeClass = Literal["ok", "failed", "pending"]
ReasonCode = Literal["too-few-releases", "no-negatives", "fpr-too-high"]
SYNTHETIC_BANNER = "synthetic history (cipipe history seed): figures are illustrative"


@dataclass(frozen=True)
class ShadowDecision:
    """What the report needs of one logged decision; ``seq`` is its place in the log."""

    service: str
    build_id: str
    decided_at: datetime
    mode: str
    recommended_strategy: str
    manual_approval_required: bool
    seq: int = 0

    @property
    def positive(self) -> bool:
        return self.recommended_strategy == "blue-green" or self.manual_approval_required

    @property
    def week(self) -> str:
        year, week, _ = _utc(self.decided_at).isocalendar()
        return f"{year}-W{week:02d}"


def decision_from_log(
    *,
    service: str,
    build_id: str,
    decided_at: datetime,
    mode: str,
    strategy: str,
    document: Mapping[str, object],
    seq: int,
) -> ShadowDecision:
    """Read the recommendation from a logged record: its document's ``decision`` (the
    risk-decision.json content) when present, else the record's ``strategy`` column."""
    decision = document.get("decision")
    body: Mapping[str, object] = decision if isinstance(decision, Mapping) else {}
    recommended = body.get("recommended_strategy")
    return ShadowDecision(
        service=service,
        build_id=build_id,
        decided_at=decided_at,
        mode=mode,
        recommended_strategy=recommended if isinstance(recommended, str) else strategy,
        manual_approval_required=body.get("manual_approval_required") is True,
        seq=seq,
    )


def classify(results: Sequence[str]) -> OutcomeClass:
    if not results:
        return "pending"
    return "failed" if any(r in BAD_RESULTS for r in results) else "ok"


@dataclass
class Tally:
    """Confusion counts of one group of decisions."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    pending: int = 0
    hotfix: int = 0
    by_strategy: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: {"ok": 0, "failed": 0, "pending": 0} for s in STRATEGIES}
    )

    @property
    def known(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def fpr(self) -> float | None:
        return _rate(self.fp, self.fp + self.tn)

    @property
    def tpr(self) -> float | None:
        return _rate(self.tp, self.tp + self.fn)

    def add(self, decision: ShadowDecision, results: Sequence[str]) -> None:
        outcome = classify(results)
        counts = self.by_strategy.setdefault(
            decision.recommended_strategy, {"ok": 0, "failed": 0, "pending": 0}
        )
        counts[outcome] += 1
        if outcome == "pending":
            self.pending += 1
            return
        if outcome == "ok" and "hotfix" in results:
            self.hotfix += 1
        if decision.positive:
            if outcome == "failed":
                self.tp += 1
            else:
                self.fp += 1
        elif outcome == "failed":
            self.fn += 1
        else:
            self.tn += 1

    def to_json(self) -> dict[str, object]:
        return {
            "decisions": self.known + self.pending,
            "known": self.known,
            "pending": self.pending,
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
            "fpr": self.fpr,
            "tpr": self.tpr,
            "hotfix": self.hotfix,
            "by_strategy": {s: dict(c) for s, c in sorted(self.by_strategy.items())},
        }


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    detail: str


@dataclass
class Grouped:
    tally: Tally = field(default_factory=Tally)
    weeks: dict[str, Tally] = field(default_factory=dict)

    def add(self, decision: ShadowDecision, results: Sequence[str]) -> None:
        self.tally.add(decision, results)
        self.weeks.setdefault(decision.week, Tally()).add(decision, results)

    def weeks_json(self) -> list[dict[str, object]]:
        return [{"week": w, **t.to_json()} for w, t in sorted(self.weeks.items())]


@dataclass(frozen=True)
class ServiceReport:
    service: str
    threshold: float
    min_releases: int
    enforced: bool
    reasons: tuple[Reason, ...]
    grouped: Grouped

    @property
    def ready_to_enforce(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "ready_to_enforce": self.ready_to_enforce,
            "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons],
            "max_false_positive_rate": self.threshold,
            "min_shadow_releases": self.min_releases,
            "in_enforce_services": self.enforced,
            **self.grouped.tally.to_json(),
            "weeks": self.grouped.weeks_json(),
        }


@dataclass(frozen=True)
class EnforcementRules:
    """The policy's enforcement settings, as plain values."""

    max_false_positive_rate: float
    min_shadow_releases: int
    service_rates: Mapping[str, float] = field(default_factory=dict)
    enforce_services: frozenset[str] = frozenset()

    def threshold(self, service: str) -> float:
        return self.service_rates.get(service, self.max_false_positive_rate)

    @classmethod
    def from_policy(cls, bundle: PolicyBundle) -> EnforcementRules:
        enforcement = bundle.thresholds.enforcement
        return cls(
            max_false_positive_rate=enforcement.max_false_positive_rate,
            min_shadow_releases=enforcement.min_shadow_releases,
            service_rates={
                name: o.max_false_positive_rate
                for name, o in bundle.thresholds.services.items()
                if o.max_false_positive_rate is not None
            },
            enforce_services=frozenset(enforcement.enforce_services),
        )


@dataclass(frozen=True)
class ShadowReport:
    include_enforced: bool
    since: datetime | None
    policy_version: str | None
    services: tuple[ServiceReport, ...]
    overall: Grouped
    policy_source: str | None = None  # builtin, folder or url
    synthetic: bool = False  # a decided build was made up by ``cipipe history seed``

    def to_json(self) -> dict[str, object]:
        return {
            "synthetic": self.synthetic,
            "include_enforced": self.include_enforced,
            "since": None if self.since is None else _utc(self.since).isoformat(),
            "policy_version": self.policy_version,
            "policy_source": self.policy_source,
            "cipipe_version": __version__,
            "services": [s.to_json() for s in self.services],
            "overall": {**self.overall.tally.to_json(), "weeks": self.overall.weeks_json()},
        }


def latest_per_build(decisions: Iterable[ShadowDecision]) -> list[ShadowDecision]:
    latest: dict[tuple[str, str], ShadowDecision] = {}
    for d in decisions:
        key = (d.service, d.build_id)
        kept = latest.get(key)
        if kept is None or (_utc(d.decided_at), d.seq) > (_utc(kept.decided_at), kept.seq):
            latest[key] = d
    return sorted(latest.values(), key=lambda d: (_utc(d.decided_at), d.seq))


def readiness(tally: Tally, threshold: float, min_releases: int) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    if tally.known < min_releases:
        reasons.append(
            Reason(
                "too-few-releases",
                f"{tally.known} of {min_releases} shadow releases have an outcome",
            )
        )
    fpr = tally.fpr
    if fpr is None:
        reasons.append(Reason("no-negatives", "no release went ok, so the FPR is undefined"))
    elif fpr > threshold:
        reasons.append(Reason("fpr-too-high", f"FPR {fpr:.1%} is above {threshold:.1%}"))
    return tuple(reasons)


def build_report(
    decisions: Iterable[ShadowDecision],
    outcomes: Mapping[tuple[str, str], Sequence[str]],
    rules: EnforcementRules,
    *,
    include_enforced: bool = False,
    service: str | None = None,
    since: datetime | None = None,
    policy_version: str | None = None,
    policy_source: str | None = None,
    synthetic: bool = False,
) -> ShadowReport:
    """Join ``decisions`` with ``outcomes`` (results by (service, build_id)) and judge each
    service against ``rules``. ``synthetic``: the decided builds include made-up ones."""
    kept = [
        d
        for d in decisions
        if (include_enforced or d.mode == "shadow")
        and (service is None or d.service == service)
        and (since is None or _utc(d.decided_at) >= _utc(since))
    ]
    overall = Grouped()
    per_service: dict[str, Grouped] = {}
    for d in latest_per_build(kept):
        results = outcomes.get((d.service, d.build_id), ())
        overall.add(d, results)
        per_service.setdefault(d.service, Grouped()).add(d, results)
    if service is not None:
        per_service.setdefault(service, Grouped())
    reports = tuple(
        ServiceReport(
            service=name,
            threshold=rules.threshold(name),
            min_releases=rules.min_shadow_releases,
            enforced=name in rules.enforce_services,
            reasons=readiness(grouped.tally, rules.threshold(name), rules.min_shadow_releases),
            grouped=grouped,
        )
        for name, grouped in sorted(per_service.items())
    )
    return ShadowReport(
        include_enforced, since, policy_version, reports, overall, policy_source, synthetic
    )


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
