"""cipipe sbom (seed 6): every component of the build, and what changed against a baseline."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cipipe.adapters.git.interface import GitRepo
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.deps_changed import DepsChanged, VendoredDrift
from cipipe.contracts.loading import parse_json, read_text
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.source import Source
from cipipe.errors import InputError
from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.steps.sbom.diff import compare
from cipipe.steps.sbom.manifests import find_manifests, read_manifests
from cipipe.steps.sbom.submodules import submodule_dependency
from cipipe.steps.sbom.vendored import read_vendored

log = logging.getLogger("cipipe.sbom")


@dataclass(frozen=True)
class SbomOutputs:
    sbom: str
    deps_changed: DepsChanged


def _log_drift(drifts: Sequence[VendoredDrift]) -> None:
    for drift in drifts:
        log.warning(
            "vendored %s (%s) drifted: recorded %s, now %s",
            drift.name,
            drift.path,
            drift.recorded,
            drift.actual or "missing",
        )


def read_sbom_file(path: Path) -> list[Dependency]:
    """Components of a CycloneDX (1.4-1.7) or SPDX 2.3 JSON document."""
    from cipipe.readers.deps import cyclonedx_json, spdx_json

    text = read_text(path)
    head = parse_json(text, str(path), check=False)  # another tool's file: only the limits
    source = f"merged:{path.name}"
    try:
        if isinstance(head, dict) and head.get("bomFormat") == "CycloneDX":
            return cyclonedx_json.parse(text, source=source)
        if isinstance(head, dict) and "spdxVersion" in head:
            return spdx_json.parse(text, source=source)
    except DependencyFileError as exc:
        raise exc.located(str(path)) from None
    raise InputError(
        "neither CycloneDX nor SPDX", file=str(path), expected="a CycloneDX or SPDX 2.3 JSON SBOM"
    )


def _previous_bom(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    document = parse_json(read_text(path), str(path), check=False)
    return document if isinstance(document, dict) else None


def suggest_components(git: GitRepo, components_file: str, *, service: str | None) -> str:
    """The components.yaml draft ``cipipe sbom --suggest`` prints; it writes nothing.

    What the components file already declares is left out (a submodule is never suggested: the
    superproject tracks it as one entry, not as code); the service's and the top CMake
    project's names are the repository's own."""
    from cipipe.steps.sbom.draft import render_draft
    from cipipe.steps.sbom.suggest import own_project_names, suggest
    from cipipe.steps.sbom.vendored import declared_paths

    repo = git.root
    declared = declared_paths(repo, repo / components_file)
    found = suggest(
        repo,
        git.tracked_files(),
        skip=declared,
        own_names=[*([service] if service else []), *own_project_names(repo)],
    )
    return render_draft(found, declared=declared)


def run_sbom(
    git: GitRepo,
    config: RepoConfig,
    source: Source,
    *,
    build_id: str,
    artifacts: Artifacts | None,
    merge: Sequence[Path] = (),
    baseline: Path | None = None,
    previous: Path | None = None,
) -> SbomOutputs:
    """``previous``: the sbom.json a run of this build may have written before, which sets the
    new one's version (see ``versioning``); absent is fine."""
    # cyclonedx takes seconds to import: only the run that writes the SBOM pays for it.
    from cipipe.steps.sbom.bom import build_bom, combine

    repo = git.root
    manifests = find_manifests(repo, git.tracked_files(), config.sbom.exclude)
    log.info("sbom: %d dependency file(s): %s", len(manifests), ", ".join(manifests) or "none")
    vendored = read_vendored(repo, repo / config.sbom.vendored)
    _log_drift(vendored.drift)
    exact, loose = read_manifests(repo, manifests)
    dependencies = combine(
        [
            *exact,
            *vendored.dependencies,
            *(submodule_dependency(s) for s in source.submodules),
            *(dep for path in merge for dep in read_sbom_file(path)),
        ],
        loose,
    )
    sbom = build_bom(
        service=config.service,
        kind=config.kind,
        commit=source.commit,
        build_id=build_id,
        timestamp=source.commit_time,
        dependencies=dependencies,
        artifacts=artifacts.artifacts if artifacts else [],
        previous=_previous_bom(previous),
    )
    if baseline is None:
        changed = DepsChanged(
            baseline=None,
            status="no-baseline",
            components=len(dependencies),
            vendored_drift=vendored.drift,
        )
    else:
        added, removed, updated = compare(dependencies, combine(read_sbom_file(baseline)))
        changed = DepsChanged(
            baseline=str(baseline),
            status="compared",
            added=added,
            removed=removed,
            updated=updated,
            components=len(dependencies),
            vendored_drift=vendored.drift,
        )
    return SbomOutputs(sbom, changed)
