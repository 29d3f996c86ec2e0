"""Signals from Jenkins (a rollback / hotfix job's runs) and the artifact store (the
``release.outcome`` property a later stage sets on the candidate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.history.interface import OUTCOME_RESULTS, OutcomeResult
from cipipe.adapters.jenkins import JenkinsRun
from cipipe.steps.outcome_sync.signals import Signal

JobKind = Literal["rollback", "hotfix"]
OUTCOME_PROPERTY = "release.outcome"


@dataclass(frozen=True)
class JobParameters:
    """Which parameters of the job's runs name the build: ``BUILD_ID`` and ``SERVICE`` by
    default; ``service`` is used when the run has no service parameter."""

    build: str = "BUILD_ID"
    service: str = "SERVICE"
    default_service: str | None = None


def jenkins_signals(
    runs: Iterable[JenkinsRun], job: str, kind: JobKind, names: JobParameters
) -> list[Signal]:
    """A finished, successful run labels the build it names; a run still going is pending; a
    failed or aborted run did not roll anything back and is left out."""
    signals = []
    for run in runs:
        if run.result not in (None, "SUCCESS"):
            continue
        build_id = run.parameters.get(names.build)
        subject = f"job/{job}#{run.number}"
        signals.append(
            Signal(
                source="jenkins",
                subject=subject,
                result=kind if run.result == "SUCCESS" else None,
                evidence=f"{kind} job {job} run #{run.number} {run.result or 'running'} "
                f"({names.build}={build_id or 'unset'})",
                key=f"jenkins:{subject}:{kind}",
                since=run.started_at,
                service=run.parameters.get(names.service) or names.default_service,
                build_id=build_id,
            )
        )
    return signals


def artifactory_signals(store: ArtifactStore, path_prefix: str = "") -> list[Signal]:
    """One signal per build and value of ``release.outcome`` on any of its files; the build
    is named by the ``build.name`` / ``build.number`` properties publish sets, else by the
    path (``<service>/<buildId>/...``)."""
    found: dict[tuple[str, str, OutcomeResult], list[str]] = {}
    for result in OUTCOME_RESULTS:
        for stored in store.search({OUTCOME_PROPERTY: result}, path_prefix):
            parts = stored.path.split("/")
            service = _first(stored.properties.get("build.name")) or parts[0]
            build_id = _first(stored.properties.get("build.number")) or (
                parts[1] if len(parts) > 1 else ""
            )
            found.setdefault((service, build_id, result), []).append(stored.path)  # type: ignore[arg-type]
    return [
        Signal(
            source="artifactory",
            subject=f"{store.location}/{service}/{build_id}",
            result=result,
            evidence=f"{OUTCOME_PROPERTY}={result} on {', '.join(sorted(paths))}",
            key=f"artifactory:{service}/{build_id}:{result}",
            service=service,
            build_id=build_id or None,
        )
        for (service, build_id, result), paths in sorted(found.items())
    ]


def _first(values: tuple[str, ...] | None) -> str | None:
    return values[0] if values else None
