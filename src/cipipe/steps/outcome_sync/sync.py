"""Signals labelled by the policy's windows and recorded in the history store, once.

Labels follow the seed (Step 3 I): a rollback within ``rollback_within`` of the build is a 1;
healthy for ``stable_for`` is a 0. Every recorded outcome's note starts with the evidence key
in brackets (``[argo-rollouts:rollout/ns/name:...:rollback]``) and goes on with what the
source said; ``recorded_by`` names the source. A re-sync of the same evidence, or of a label
the build already has, records nothing; a different label is recorded beside the earlier
ones (``conflicts``), never over them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cipipe.adapters.history.interface import BuildRecord, HistoryStore, Outcome, OutcomeResult
from cipipe.contracts.outcome_sync import OutcomeSync, SyncEntry, Windows
from cipipe.steps.outcome_sync.matching import BuildIndex, match
from cipipe.steps.outcome_sync.signals import Signal, Source

NO_SIGNAL = "no-signal"


def recorded_by(source: str) -> str:
    return f"cipipe outcome sync --from {source}"


def note_of(key: str, evidence: str) -> str:
    return f"[{key}] {evidence}"


@dataclass
class _Run:
    store: HistoryStore
    windows: Windows
    now: datetime
    report: OutcomeSync

    def entry(
        self, signal: Signal, build: BuildRecord | None, how: str, **more: object
    ) -> SyncEntry:
        return SyncEntry.model_validate(
            {
                "subject": signal.subject,
                "service": build.service if build else None,
                "build_id": build.build_id if build else None,
                "result": signal.result,
                "at": None,
                "evidence": signal.evidence,
                "matched_by": how if build else "none",
                **more,
            }
        )

    def take(self, signal: Signal, index: BuildIndex) -> None:
        build, how, why = match(signal, index)
        if build is None:
            self.report.unmatched.append(self.entry(signal, None, "none", reason=why))
            return
        if signal.result is None:
            self.report.pending.append(self.entry(signal, build, how, reason="no verdict yet"))
            return
        at, reason, late = self._when(signal, build)
        if at is None:
            self.report.pending.append(self.entry(signal, build, how, reason=reason))
            return
        if late:
            self.report.late.append(self.entry(signal, build, how, at=at, reason=reason))
            return
        self._record(signal, signal.result, build, how, at)

    def _when(self, signal: Signal, build: BuildRecord) -> tuple[datetime | None, str | None, bool]:
        """(when the outcome happened or None while it is pending, why, whether it is late)."""
        stable = timedelta(seconds=self.windows.stable_for)
        if signal.hold:
            if signal.since is None:
                return None, "healthy, since an unknown time", False
            if self.now - signal.since < stable:
                hours = (self.now - signal.since).total_seconds() / 3600
                return None, f"healthy for {hours:.1f}h of the {stable} needed", False
            return signal.since + stable, None, False
        at = signal.since or self.now
        within = timedelta(seconds=self.windows.rollback_within)
        if signal.result == "rollback" and at - build.started_at > within:
            return at, f"rolled back {at - build.started_at} after the build, past {within}", True
        return at, None, False

    def _record(
        self, signal: Signal, result: OutcomeResult, build: BuildRecord, how: str, at: datetime
    ) -> None:
        key = (build.service, build.build_id)
        earlier = self.store.outcomes_of([key]).get(key, [])
        entry = self.entry(signal, build, how, at=at)
        if any(_same(o, signal) for o in earlier):
            self.report.known.append(entry)
            return
        self.store.record_outcome(
            build.service,
            build.build_id,
            result,
            at,
            note_of(signal.key, signal.evidence),
            recorded_by=recorded_by(signal.source),
        )
        self.report.recorded.append(entry)
        others = sorted({o.result for o in earlier if o.result != signal.result})
        if others:
            self.report.conflicts.append(entry.model_copy(update={"earlier": others}))


def _same(outcome: Outcome, signal: Signal) -> bool:
    """Already known: this evidence was recorded, or the build already has this label."""
    return outcome.result == signal.result or (outcome.note or "").startswith(f"[{signal.key}]")


def sync(
    signals: Iterable[Signal],
    store: HistoryStore,
    *,
    source: Source,
    read_from: str,
    windows: Windows,
    policy_version: str,
    now: datetime,
) -> OutcomeSync:
    """Label and record ``signals``; then, when the policy says so, label ok every shipped
    build of the services seen that has had no signal for ``stable_for``."""
    report = OutcomeSync(
        source=source,
        read_from=read_from,
        synced_at=now,
        policy_version=policy_version,
        windows=windows,
    )
    run = _Run(store, windows, now, report)
    index = BuildIndex(store)
    for signal in signals:
        run.take(signal, index)
    if windows.unsignalled_is_ok:
        _unsignalled(run, index, source)
    return report


def _unsignalled(run: _Run, index: BuildIndex, source: Source) -> None:
    seen = {(e.service, e.build_id) for lst in _lists(run.report) for e in lst}
    services = sorted({s for s, _ in seen if s})
    cutoff = run.now - timedelta(seconds=run.windows.stable_for)
    for service in services:
        quiet = [
            b
            for b in index.recent(service)
            if b.result == "success"
            and b.started_at <= cutoff
            and (service, b.build_id) not in seen
        ]
        known = run.store.outcomes_of((b.service, b.build_id) for b in quiet)
        for build in quiet:
            if known.get((build.service, build.build_id)):
                continue
            signal = Signal(
                source=source,
                subject=f"build/{service}/{build.build_id}",
                result="ok",
                evidence=f"no signal {run.windows.stable_for // 3600}h after the build "
                "(policy labels.unsignalled_is_ok)",
                key=f"{NO_SIGNAL}:{service}/{build.build_id}",
            )
            run._record(
                signal,
                "ok",
                build,
                "no-signal",
                build.started_at + timedelta(seconds=run.windows.stable_for),
            )


def _lists(report: OutcomeSync) -> tuple[list[SyncEntry], ...]:
    return (report.recorded, report.known, report.pending, report.unmatched, report.late)
