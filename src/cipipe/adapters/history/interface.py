"""What build-info needs from the history store, as an interface, so a step can use a fake.

The store answers one question that a single build cannot: how often did builds touching a
module go wrong? "Wrong" covers both the build's own verdict and what happened after it
shipped (a rollback or an SLO breach recorded later as an outcome).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from cipipe.adapters.history.audit_records import CHAIN_NAMES
from cipipe.errors import InputError

if TYPE_CHECKING:
    from cipipe.adapters.history.audit_records import (
        ChainReport,
        Claim,
        DecisionMode,
        DecisionRecord,
        Head,
        StoredDecision,
        StoredModelEvent,
    )
    from cipipe.adapters.history.signing import AuditKeys
    from cipipe.adapters.history.training import StoredBuild

BuildResult = Literal["success", "failure", "unstable", "aborted", "unknown"]
# "synthetic": made up by `cipipe history seed` for the demo, never mixed into a real store.
BuildSource = Literal["cipipe", "jenkins", "synthetic"]
OutcomeResult = Literal["ok", "rollback", "slo-breach", "hotfix"]

BUILD_RESULTS: tuple[str, ...] = get_args(BuildResult)
BUILD_SOURCES: tuple[str, ...] = get_args(BuildSource)
OUTCOME_RESULTS: tuple[str, ...] = get_args(OutcomeResult)
# Outcomes that count as a failure of the build that shipped, next to a failed build itself.
BAD_OUTCOMES: tuple[OutcomeResult, ...] = ("rollback", "slo-breach")


class HistoryError(InputError):
    """The history store cannot do what was asked: unknown build, too new a schema, bad value."""


@dataclass(frozen=True)
class BuildRecord:
    """One build of one service. ``started_at`` is timezone-aware (naive values are read as UTC).

    ``None`` and an empty ``modules`` never erase what the store already knows about the build,
    so a Jenkins backfill does not wipe the richer record cipipe wrote while building.
    """

    service: str
    build_id: str
    started_at: datetime
    result: BuildResult
    source: BuildSource
    commit: str | None = None
    branch: str | None = None
    author: str | None = None
    modules: tuple[str, ...] = ()
    risk_inputs: Mapping[str, object] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    """What happened after a build shipped, recorded by a person or a later pipeline."""

    service: str
    build_id: str
    result: OutcomeResult
    at: datetime
    note: str | None = None
    recorded_by: str | None = None


@dataclass(frozen=True)
class FailureRate:
    """``failed`` of ``total`` builds went wrong; ``rate`` is None when there is none to judge."""

    failed: int
    total: int
    rate: float | None


@dataclass(frozen=True)
class ModuleFailures:
    """What ``failure_rate`` counts for one module of one service: ``failed`` of ``total``."""

    service: str
    module: str
    failed: int
    total: int


BuildKey = tuple[str, str]  # (service, build_id)


class HistoryStore(Protocol):
    """Builds, their outcomes, and the chained logs (decisions, outcomes, model approvals;
    ``audit_records.py``): everything a step or a command reads or writes in the store."""

    url: str
    """Where the store lives, with any password masked: safe for messages and logs."""
    audit_keys: AuditKeys
    """The keys the store's chained appends sign with and its verification checks with."""

    def record_build(self, build: BuildRecord) -> None:
        """Insert the build, or update the one with the same service and build_id."""

    def record_outcome(
        self,
        service: str,
        build_id: str,
        result: OutcomeResult,
        at: datetime,
        note: str | None = None,
        *,
        recorded_by: str | None = None,
    ) -> Head:
        """Append an outcome of a known build to the outcomes log (signed when the store has
        the audit key); an unknown build is a HistoryError naming it. Returns the new head."""

    def failure_rate(
        self, service: str, module: str, *, window_days: int | None, now: datetime
    ) -> FailureRate:
        """Builds touching ``module`` that failed or were rolled back / breached an SLO, over
        all builds touching it, started in the ``window_days`` before ``now`` (None: ever)."""

    def builds(self, service: str, limit: int = 50) -> list[BuildRecord]:
        """The service's builds, newest first."""

    def services(self) -> list[str]:
        """Every service with a recorded build, sorted."""

    def build_sources(self, keys: Iterable[BuildKey] | None = None) -> dict[str, int]:
        """How many builds each source recorded (``BUILD_SOURCES``), of the builds in ``keys``
        (None: every build); a source with no build is left out."""

    def latest_builds(self, services: Sequence[str], limit: int) -> list[BuildRecord]:
        """The newest ``limit`` builds of each of ``services``, service by service, newest
        first. A build's risk inputs that are not a JSON object read as None."""

    def outcomes_of(self, keys: Iterable[BuildKey]) -> dict[BuildKey, list[Outcome]]:
        """The outcomes of each build in ``keys`` that has any, oldest first: one read for
        many builds."""

    def module_failures(
        self, services: Sequence[str], *, since: datetime, now: datetime
    ) -> list[ModuleFailures]:
        """``failure_rate`` for every module of ``services`` at once, over the builds
        started in [since, now]; in no particular order."""

    def training_builds(self) -> list[StoredBuild]:
        """Every build, oldest first (ties: in the order recorded), each with its outcomes
        oldest first: what ``model train --from-db`` learns from (``training.py``)."""

    def decisions(
        self,
        service: str | None = None,
        mode: DecisionMode | None = None,
        since: datetime | None = None,
        *,
        build_id: str | None = None,
    ) -> list[StoredDecision]:
        """The logged decisions in chain order, of ``service``, ``mode`` and ``build_id`` if
        given (None: all), decided at or after ``since`` if given."""

    def model_approvals(self, version: str | None = None) -> list[StoredModelEvent]:
        """The model approvals log in chain order: every state change, of ``version`` if
        given."""

    def append_decision(self, record: DecisionRecord) -> Head:
        """Append a risk decision to the decisions log (signed when the store has the audit
        key); a bad mode, score or document is a HistoryError. Returns the new head."""

    def append_model_event(
        self, version: str, state: str, by: str, at: datetime, record: Mapping[str, object]
    ) -> Head:
        """Append one state change of a model version, with its evidence (JSON data), to the
        model approvals log (signed when the store has the audit key). Returns the new head."""

    def chain_heads(self) -> dict[str, Head]:
        """Where every chained log stands, read at one moment, by name (``CHAIN_NAMES``)."""

    def verify_chains(
        self,
        claims: Iterable[tuple[str, Claim]] = (),
        *,
        require_signed: bool = False,
        only: Sequence[str] = CHAIN_NAMES,
    ) -> list[ChainReport]:
        """Walk the logs named in ``only``, checking their hashes, their signatures with the
        store's keys and the anchors' ``claims`` (log name, claim); one report per log, in
        ``only``'s order, each naming its first missing or forged record."""

    def close(self) -> None: ...
