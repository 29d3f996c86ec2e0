"""Write the synthetic history of ``rules.py`` into a history store, through the store's own
appends: builds with ``record_build``, decisions with the decision step's ``audit`` (the
chained decisions log), outcomes with ``record_outcome`` (the chained outcomes log)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from cipipe.adapters.history.interface import BuildRecord, BuildSource, HistoryStore
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.risk_inputs import (
    ArtifactDigest,
    EmulatorResult,
    Names,
    Number,
    RiskInputs,
    Text,
)
from cipipe.errors import RefusedError
from cipipe.risk.decide import decide, sha256_of
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.steps.decide_strategy.record import audit
from cipipe.steps.history_seed.rules import (
    DECISION_DELAY,
    Change,
    Draws,
    draw_history,
    outcomes,
)

log = logging.getLogger("cipipe.history")

SOURCE: BuildSource = "synthetic"
SEEDED_BY = "cipipe history seed"
RUNNERS = {"arm": "qemu-aarch64", "windows": "wine"}


@dataclass(frozen=True)
class SeedSummary:
    builds: int
    decisions: int
    outcomes: int
    failed: int
    pending: int
    already_seeded: bool = False


def check_store(store: HistoryStore, *, force: bool) -> bool:
    """Refuse (exit 1) a store holding builds that are not synthetic, unless ``force``: fake
    history must never mix into a real one unasked. True when the store is seeded already."""
    sources = store.build_sources()
    real = {source: n for source, n in sources.items() if source != SOURCE}
    if real and not force:
        counts = ", ".join(f"{n} from {source}" for source, n in sorted(real.items()))
        raise RefusedError(
            f"history store {store.url} holds real builds ({counts}); synthetic history is "
            "seeded only into a store of its own (--force mixes it in anyway)"
        )
    return sources.get(SOURCE, 0) > 0


def seed_history(
    store: HistoryStore,
    bundle: PolicyBundle,
    *,
    seed: int,
    count: int,
    now: datetime,
    policy_source: str,
    force: bool = False,
) -> SeedSummary:
    """``count`` synthetic builds ending at ``now``, each decided in shadow mode by ``bundle``
    and labelled by what happened by ``now``. A store seeded before is left as it is (a second
    seeding would log every decision and outcome twice)."""
    if check_store(store, force=force):
        log.info("history store %s holds synthetic history already: nothing added", store.url)
        return SeedSummary(0, 0, 0, 0, 0, already_seeded=True)
    # Outcomes draw from their own stream, so the changes stay the same whatever ``now`` cuts.
    outcome_draws = Draws(seed + 1)
    recorded = failed = pending = 0
    for change in draw_history(seed, count, now):
        record_change(store, bundle, change, policy_source)
        found = outcomes(outcome_draws, change, now)
        for result, at, note in found:
            store.record_outcome(
                change.service.name, change.build_id, result, at, note, recorded_by=SEEDED_BY
            )
        recorded += len(found)
        failed += int(change.failed and bool(found))
        pending += int(not found)
    log.info(
        "seeded %d synthetic builds (%d failed, %d pending) into %s",
        count,
        failed,
        pending,
        store.url,
    )
    return SeedSummary(count, count, recorded, failed, pending)


def record_change(
    store: HistoryStore, bundle: PolicyBundle, change: Change, policy_source: str
) -> None:
    """The build with its risk inputs, then its shadow decision through the decision path."""
    inputs = risk_inputs(change)
    store.record_build(
        BuildRecord(
            service=change.service.name,
            build_id=change.build_id,
            started_at=change.started_at,
            result="success",
            source=SOURCE,
            commit=change.commit,
            branch="main",
            author=change.author,
            modules=change.modules,
            risk_inputs=inputs.model_dump(mode="json", by_alias=True),
        )
    )
    decided = decide(
        inputs,
        sha256_of(inputs.to_json()),
        DecisionContext(),
        bundle,
        policy_source=policy_source,
        changed_paths=change.changed_paths(),
        mode_flag="shadow",
        now=change.started_at + DECISION_DELAY,
        decided_by=SEEDED_BY,
    )
    audit(store, decided.inputs, decided.decision)


def _measured(value: float, source: str) -> Number:
    return Number(value=value, status="measured", source=f"synthetic: {source}")


def risk_inputs(change: Change) -> RiskInputs:
    """The change as build-info would have measured it: every input measured."""
    service = change.service
    return RiskInputs.model_validate(
        {
            "commit": change.commit,
            "build_id": change.build_id,
            "repo": None,
            "branch": "main",
            "author": change.author,
            "service": service.name,
            "kind": Text(value="service", status="measured", source="synthetic"),
            "criticality": Text(value=service.criticality, status="measured", source="synthetic"),
            "targets": list(service.platforms),
            "artifacts": [_artifact(change, p) for p in service.platforms],
            "unit_tests_failed": _measured(change.failed_tests, "tests"),
            "unit_tests_flaky": _measured(change.flaky_tests, "tests"),
            "integration_failed": _measured(change.integration_failed, "tests"),
            "test_errors": _measured(0, "tests"),
            "coverage_delta": _measured(change.coverage_delta, "tests"),
            "dependencies_new": _measured(change.dependencies_new, "deps"),
            "dependencies_updated": _measured(change.dependencies_updated, "deps"),
            "dependencies_new_names": _names(["pkg:generic/newlib"] * change.dependencies_new),
            "dependencies_updated_names": _names(
                ["pkg:generic/zlib"] * change.dependencies_updated
            ),
            "vulnerabilities_critical": _measured(change.vulnerabilities_critical, "scan"),
            "vulnerabilities_high": _measured(change.vulnerabilities_high, "scan"),
            "vulnerabilities_medium": _measured(0, "scan"),
            "files_changed": _measured(change.files, "git"),
            "lines_added": _measured(change.lines_added, "git"),
            "lines_deleted": _measured(change.lines_deleted, "git"),
            "change_metrics": _change_metrics(change),
            "module_failure_rate": _measured(change.module_failure_rate, "history"),
            "module_failure_rate_builds": _measured(change.module_builds, "history"),
            "emulator_results": [
                EmulatorResult(platform=p, runner=RUNNERS[p], passed=True)
                for p in service.platforms
                if p in RUNNERS
            ],
        }
    )


def _change_metrics(change: Change) -> dict[str, Number]:
    """Kamei's 14 metrics of the change; the ones the rules do not draw are plausible constants."""
    git = {
        "ns": 1,
        "nd": len(change.modules),
        "nf": change.files,
        "entropy": change.entropy,
        "la": change.lines_added,
        "ld": change.lines_deleted,
        "lt": 40 * change.files,
        "fix": int(change.fix),
        "ndev": len(change.service.authors),
        "age": 10.0,
        "nuc": change.files,
        "exp": change.experience,
        "rexp": round(change.experience / 4, 2),
        "sexp": change.experience,
    }
    return {k: _measured(v, "git") for k, v in git.items()}


def _names(values: list[str]) -> Names:
    return Names(value=values, status="measured", source="synthetic: deps")


def _artifact(change: Change, platform: str) -> ArtifactDigest:
    name = f"{change.service.name}-{platform}-{change.commit[:12]}-{change.build_id}"
    return ArtifactDigest(
        platform=platform, name=name, sha256=hashlib.sha256(name.encode()).hexdigest()
    )
