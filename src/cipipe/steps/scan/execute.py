"""cipipe scan (seed 5.4): the SBOM's components against an offline OSV folder and the reports
other scanners left on the agent."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cipipe.adapters.git.cli import GitCli
from cipipe.adapters.git.interface import GitError
from cipipe.contracts.loading import read_bytes, read_text
from cipipe.contracts.repo_config import ScanPolicy
from cipipe.contracts.scan import ScanReport
from cipipe.errors import InputError
from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.cyclonedx_json import parse as parse_cyclonedx
from cipipe.readers.findings import ExternalFinding, ReportError
from cipipe.readers.osv import Affected
from cipipe.steps.scan.dump import load_osv_directory
from cipipe.steps.scan.findings import Draft, judge, merge
from cipipe.steps.scan.index import AdvisoryIndex, Match
from cipipe.steps.scan.packages import Component
from cipipe.steps.scan.severity import advisory_severity

log = logging.getLogger("cipipe.scan")

SUBMODULE_PATH = "cipipe:submodule-path"


@dataclass(frozen=True)
class ScanRequest:
    repo: Path
    sbom: Path
    policy: ScanPolicy
    today: date
    osv_db: Path | None = None
    grype: Sequence[Path] = ()
    trivy: Sequence[Path] = ()


def read_components(sbom: Path) -> list[Dependency]:
    if not os.path.lexists(sbom):
        raise InputError("missing; run `cipipe sbom` first", file=str(sbom))
    try:
        return parse_cyclonedx(read_text(sbom), source=sbom.name)
    except DependencyFileError as exc:
        raise exc.located(str(sbom), expected="a CycloneDX JSON SBOM") from None


def _ancestry(repo: Path, dep: Dependency) -> Callable[[str, str], bool] | None:
    """For a submodule that is checked out, GIT ranges are decided in its own history."""
    path = dict(dep.properties).get(SUBMODULE_PATH)
    if not path or not (repo / path / ".git").exists():
        return None
    try:
        return GitCli(repo / path).is_ancestor
    except GitError:
        return None


def _fixed_version(affected: Affected) -> str | None:
    fixed = [
        e.value for r in affected.ranges if r.type != "GIT" for e in r.events if e.kind == "fixed"
    ]
    return fixed[0] if fixed else None


def _osv_drafts(
    index: AdvisoryIndex, deps: Sequence[Dependency], repo: Path, warnings: list[str]
) -> list[Draft]:
    drafts = []
    for dep in deps:
        if not dep.version:
            continue
        submodule = SUBMODULE_PATH in dict(dep.properties)
        component = Component(
            purl=dep.purl,
            ecosystem=None,
            name=dep.name,
            version=dep.version,
            git_commit=dep.version if submodule else None,
        )
        matches: list[Match] = index.match(component, git_is_ancestor=_ancestry(repo, dep))
        for match in matches:
            advisory = match.advisory
            if match.status == "undecided":
                warnings.append(
                    f"{dep.name} {dep.version}: cannot decide {advisory.id}: {match.reason}"
                )
                continue
            severity = advisory_severity(advisory, match.affected)
            warnings.extend(f"{advisory.id}: {w}" for w in severity.warnings)
            drafts.append(
                Draft(
                    id=advisory.id,
                    aliases=set(advisory.aliases),
                    package=dep.name,
                    purl=dep.purl,
                    installed_version=dep.version,
                    fixed_version=_fixed_version(match.affected),
                    severity=severity.rating,
                    score=severity.score,
                    sources={"osv"},
                    summary=advisory.summary,
                )
            )
    return drafts


def _report_drafts(
    paths: Sequence[Path], parse: Callable[[str], list[ExternalFinding]], warnings: list[str]
) -> list[Draft]:
    drafts = []
    for path in paths:
        try:
            found = parse(read_bytes(path).decode("utf-8", errors="replace"))
        except ReportError as exc:
            # One broken report must not hide the findings of the others.
            warnings.append(f"{path}: not read: {exc}")
            continue
        drafts += [
            Draft(
                id=f.id,
                aliases=set(f.aliases),
                package=f.package,
                purl=f.purl,
                installed_version=f.installed_version,
                fixed_version=f.fixed_version,
                severity=f.severity,
                score=f.score,
                sources={f.source},
            )
            for f in found
        ]
    return drafts


def run_scan(request: ScanRequest) -> ScanReport:
    from cipipe.readers.grype import parse_grype_json
    from cipipe.readers.trivy import parse_trivy_json

    deps = read_components(request.sbom)
    warnings: list[str] = []
    sources: list[str] = []
    drafts: list[Draft] = []
    advisories = 0
    if request.osv_db is not None:
        if not request.osv_db.is_dir():
            raise InputError("folder not found", file=str(request.osv_db), field="--osv-db")
        index = load_osv_directory(request.osv_db)
        advisories = len(index)
        sources.append(str(request.osv_db))
        drafts += _osv_drafts(index, deps, request.repo, warnings)
        warnings += index.warnings
    else:
        warnings.append("no OSV folder given (--osv-db or scan.osv_db): advisories not checked")
    drafts += _report_drafts(request.grype, parse_grype_json, warnings)
    drafts += _report_drafts(request.trivy, parse_trivy_json, warnings)
    sources += [str(p) for p in (*request.grype, *request.trivy)]
    findings, counts = judge(merge(drafts), request.policy, request.today, warnings)
    for warning in warnings:
        log.warning("%s", warning)
    blocking = [f.id for f in findings if f.blocking]
    return ScanReport(
        sbom=request.sbom.name,
        components=len(deps),
        advisories=advisories,
        sources=sources,
        findings=findings,
        counts=counts,
        blocking=blocking,
        warnings=warnings,
        outcome="failed" if blocking else "passed",
    )
