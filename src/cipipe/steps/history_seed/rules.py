"""The data rules of the synthetic history: who changes what, how big, and how it turns out.

Everything that makes the seeded history look like a real one lives here, so it can be read
(and argued with) in one place. The risk of a change follows the just-in-time defect
prediction literature (Kamei et al., "A Large-Scale Empirical Study of Just-in-Time Quality
Assurance", TSE 2013; Mockus and Weiss, "Predicting risk of software changes", 2000): bigger
changes, changes spread over more files, bug-fixing changes and changes by less experienced
authors go wrong more often; so do changes bumping dependencies and changes to modules that
went wrong before. The link is a logistic one with noise, never a rule: a small change can
still be rolled back and a big one can go well.

Only ``random.Random.random()`` is drawn from (every distribution is built from it here), as
its sequence for a given seed is the one part of ``random`` Python guarantees across versions
and machines: the same seed gives the same history everywhere.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import OutcomeResult

# A week of history per 25 builds is about a build a day per service, real-looking for a demo.
HISTORY_DAYS = 120
# Decided shortly after the build started, as the decide-strategy stage does.
DECISION_DELAY = timedelta(minutes=25)
# No signal yet for the newest builds: they stay pending, as a real store's do.
OK_AFTER = timedelta(hours=48)
HOTFIX_SHARE = 0.06
ROLLBACK_SHARE = 0.65  # of the failed releases; the rest breached an SLO


@dataclass(frozen=True)
class ServiceRule:
    name: str
    criticality: str
    platforms: tuple[str, ...]
    modules: tuple[str, ...]
    authors: tuple[tuple[str, int], ...]
    """Each author's email and how many changes they made before the history starts."""


SERVICES: tuple[ServiceRule, ...] = (
    ServiceRule(
        "sample-service",
        "normal",
        ("linux", "arm", "windows"),
        ("core", "net", "telemetry"),
        (("ana@example.com", 420), ("raj@example.com", 60), ("new.hire@example.com", 2)),
    ),
    ServiceRule(
        "payments",
        "high",
        ("linux", "windows"),
        ("ledger", "api", "db"),
        (("li@example.com", 300), ("sam@example.com", 25), ("intern@example.com", 0)),
    ),
    ServiceRule(
        "auth",
        "high",
        ("linux", "arm"),
        ("tokens", "api", "crypto"),
        (("kofi@example.com", 250), ("eva@example.com", 40), ("contractor@example.com", 5)),
    ),
)
PLATFORMS: tuple[str, ...] = ("linux", "arm", "windows")


@dataclass(frozen=True)
class Change:
    """One synthetic commit: who, where, how big, and the outcome it will have."""

    service: ServiceRule
    number: int  # the service's build number, from 1
    started_at: datetime
    author: str
    experience: int  # the author's earlier changes (Kamei's exp)
    modules: tuple[str, ...]
    files: int
    lines_added: int
    lines_deleted: int
    fix: bool
    dependencies_updated: int
    dependencies_new: int
    flaky_tests: int
    failed_tests: int  # shipped with known failures: a team's call the history records
    integration_failed: int
    vulnerabilities_critical: int
    coverage_delta: float
    vulnerabilities_high: int
    module_failure_rate: float
    module_builds: int
    entropy: float
    failed: bool = False
    failure_probability: float = 0.0

    @property
    def build_id(self) -> str:
        # "syn-" keeps a seeded build from ever taking a real build's number of the same
        # service (builds are upserted by service and build id).
        return f"syn-{self.number}"

    @property
    def commit(self) -> str:
        text = f"{self.service.name}/{self.number}/{self.started_at.isoformat()}"
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    def changed_paths(self) -> list[str]:
        return [f"{self.modules[i % len(self.modules)]}/src/file{i}.cpp" for i in range(self.files)]


def failure_logit(c: Change) -> float:
    """The log-odds of a failed release: the JIT drivers, each with a modest weight."""
    return (
        -5.9
        + 0.75 * math.log1p(c.lines_added + c.lines_deleted)
        + 0.7 * math.log1p(c.files)
        + 1.0 * c.fix
        - 0.45 * math.log1p(c.experience)
        + 0.8 * (c.dependencies_updated + c.dependencies_new > 0)
        + 2.0 * c.module_failure_rate
        + 0.3 * c.flaky_tests
        + 0.4 * c.failed_tests
        + 1.2 * c.integration_failed
        + 0.8 * c.vulnerabilities_critical
    )


class Draws:
    """Distributions built on ``random()`` alone (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def uniform(self) -> float:
        return self._rng.random()

    def chance(self, p: float) -> bool:
        return self._rng.random() < p

    def index(self, size: int) -> int:
        return min(size - 1, int(self._rng.random() * size))

    def pick(self, items: tuple[str, ...]) -> str:
        return items[self.index(len(items))]

    def normal(self, mean: float, sd: float) -> float:
        # Box-Muller; 1 - u keeps the logarithm's argument above 0.
        u, v = 1.0 - self._rng.random(), self._rng.random()
        return mean + sd * math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v)

    def lognormal(self, mu: float, sigma: float) -> float:
        return math.exp(self.normal(mu, sigma))


@dataclass
class ModuleTally:
    """What the history knew of each module when a build started: builds and bad ones."""

    seen: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def rate(self, service: str, modules: tuple[str, ...]) -> tuple[float, int]:
        counts = [self.seen.get((service, m), [0, 0]) for m in modules]
        rates = [bad / total for total, bad in counts if total]
        return (max(rates) if rates else 0.0), max(total for total, _ in counts)

    def add(self, change: Change) -> None:
        for m in change.modules:
            counts = self.seen.setdefault((change.service.name, m), [0, 0])
            counts[0] += 1
            counts[1] += int(change.failed)


def start_times(draws: Draws, count: int, end: datetime) -> list[datetime]:
    """``count`` times in the ``HISTORY_DAYS`` before ``end``, oldest first, whole seconds."""
    span = HISTORY_DAYS * 86400
    offsets = sorted(int(draws.uniform() * span) for _ in range(count))
    return [end - timedelta(seconds=span - o) for o in offsets]


def draw_change(
    draws: Draws,
    service: ServiceRule,
    number: int,
    started_at: datetime,
    made: dict[str, int],
    tally: ModuleTally,
) -> Change:
    """One change of ``service``; ``made`` counts each author's changes so far (updated)."""
    author, base = service.authors[draws.index(len(service.authors))]
    experience = base + made.get(author, 0)
    made[author] = made.get(author, 0) + 1
    touched = 1 + draws.index(2)
    modules = tuple(sorted({draws.pick(service.modules) for _ in range(touched)}))
    files = max(1, round(draws.lognormal(1.2, 1.0)))
    added = max(1, round(draws.lognormal(4.4, 1.4)))
    rate, module_builds = tally.rate(service.name, modules)
    change = Change(
        service=service,
        number=number,
        started_at=started_at,
        author=author,
        experience=experience,
        modules=modules,
        files=files,
        lines_added=added,
        lines_deleted=round(added * draws.uniform() * 0.7),
        fix=draws.chance(0.25),
        dependencies_updated=int(draws.chance(0.12)),
        dependencies_new=int(draws.chance(0.04)),
        flaky_tests=int(draws.chance(0.1)),
        failed_tests=draws.index(4) if draws.chance(0.08) else 0,
        integration_failed=int(draws.chance(0.04)),
        vulnerabilities_critical=int(draws.chance(0.02)),
        coverage_delta=round(max(-5.0, min(5.0, draws.normal(0.1, 0.8))), 2),
        vulnerabilities_high=int(draws.chance(0.08)),
        module_failure_rate=round(rate, 4),
        module_builds=module_builds,
        entropy=round(draws.uniform() * math.log2(max(2, files)), 3),
    )
    p = 1.0 / (1.0 + math.exp(-failure_logit(change)))
    return replace(change, failed=draws.chance(p), failure_probability=round(p, 6))


def draw_history(seed: int, count: int, end: datetime) -> list[Change]:
    """``count`` changes over the three services, oldest first; the same for the same
    ``seed``, ``count`` and ``end`` on every machine."""
    draws = Draws(seed)
    made: dict[str, int] = {}
    tally = ModuleTally()
    numbers = {s.name: 0 for s in SERVICES}
    changes = []
    for started_at in start_times(draws, count, end):
        service = SERVICES[draws.index(len(SERVICES))]
        numbers[service.name] += 1
        change = draw_change(draws, service, numbers[service.name], started_at, made, tally)
        tally.add(change)
        changes.append(change)
    return changes


def outcomes(
    draws: Draws, change: Change, now: datetime
) -> list[tuple[OutcomeResult, datetime, str]]:
    """What happened after ``change`` shipped, known by ``now``: (result, when, note), oldest
    first. A failure shows within hours; a release is ok once it held ``OK_AFTER``; a few ok
    releases needed a hotfix later. Nothing yet for the newest."""
    decided = change.started_at + DECISION_DELAY
    if change.failed:
        result: OutcomeResult = "rollback" if draws.chance(ROLLBACK_SHARE) else "slo-breach"
        at = decided + timedelta(minutes=30 + int(draws.uniform() * 600))
        found: list[tuple[OutcomeResult, datetime, str]] = [
            (result, at, f"synthetic: failure probability {change.failure_probability:.2f}")
        ]
    else:
        found = [("ok", decided + OK_AFTER, "synthetic: stable for 48 hours")]
        if draws.chance(HOTFIX_SHARE):
            at = decided + OK_AFTER + timedelta(hours=1 + int(draws.uniform() * 72))
            found.append(("hotfix", at, "synthetic: a follow-up fix shipped"))
    return [o for o in found if o[1] <= now]
