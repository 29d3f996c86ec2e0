"""build-info.json and risk-inputs.json from the files earlier steps left.

A report that does not exist is named in ``missing`` and its risk inputs are "missing", never
zero: the decision treats missing evidence as risk, not as good news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import (
    BuildInfo,
    Changes,
    ModuleHistory,
    PlatformInfo,
    ScanSummary,
    StoredArtifact,
)
from cipipe.contracts.deps_changed import DepsChanged
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.risk_inputs import (
    ArtifactDigest,
    EmulatorResult,
    Names,
    Number,
    RiskInputs,
    Text,
)
from cipipe.contracts.scan import ScanReport
from cipipe.contracts.source import Source
from cipipe.contracts.testing import TestsReport


@dataclass(frozen=True)
class StepReports:
    """What the work folder holds; None for a report no step wrote."""

    source: Source
    matrix: Matrix | None
    artifacts: Artifacts | None
    tests: TestsReport | None
    deps: DepsChanged | None
    scan: ScanReport | None
    sbom: str | None

    def missing(self) -> list[str]:
        files = {
            "matrix.json": self.matrix,
            "artifacts.json": self.artifacts,
            "tests.json": self.tests,
            "deps_changed.json": self.deps,
            "scan.json": self.scan,
            "sbom.json": self.sbom,
        }
        return [name for name, value in files.items() if value is None]


def store_path(service: str, build_id: str, platform: str, name: str) -> str:
    """The artifact's path inside the store's repository, without the repository key: publish
    uploads it there in whichever repository ``--repository`` names (the step may run before
    publish, so the repository is not known here), and JFrog's build-info ``path`` is this
    repository-relative form (jfrog/jfrog-client-go artifactory/services/utils/resultutils.go,
    ``ArtifactDetails.ToBuildInfoArtifact``: "the 'path' property in the build-info should not
    include the repository")."""
    return f"{service}/{build_id}/{platform}/{name}"


def _platforms(
    reports: StepReports, service: str, build_id: str, optional: Sequence[str]
) -> list[PlatformInfo]:
    names = [p.platform for p in reports.matrix.platforms] if reports.matrix else []
    builds = {p.platform: p for p in reports.artifacts.platforms} if reports.artifacts else {}
    tests = {p.platform: p for p in reports.tests.platforms} if reports.tests else {}
    for name in [*builds, *tests]:
        if name not in names:
            names.append(name)
    infos = []
    for name in names:
        build = builds.get(name)
        test = tests.get(name)
        artifacts = [
            StoredArtifact(
                name=a.name,
                size=a.size,
                sha256=a.sha256,
                sha1=a.sha1,
                md5=a.md5,
                store_path=store_path(service, build_id, name, a.name),
            )
            for a in (reports.artifacts.artifacts if reports.artifacts else [])
            if a.platform == name
        ]
        ran = test is not None and test.status == "ran"
        coverage = test.coverage if test else None
        infos.append(
            PlatformInfo(
                platform=name,
                build=build.status if build else "missing",
                optional=name in optional,
                artifacts=artifacts,
                tests=test.status if test else "missing",
                passed=test.counts.passed if ran and test else None,
                failed=test.counts.failed if ran and test else None,
                flaky=test.counts.flaky if ran and test else None,
                errors=test.counts.errors if ran and test else None,
                smoke_passed=test.smoke.passed if test and test.smoke else None,
                coverage_line_percent=coverage.line_percent if coverage else None,
                coverage_line_delta=coverage.line_delta if coverage else None,
            )
        )
    return infos


def build_info(
    reports: StepReports,
    config: RepoConfig,
    *,
    build_id: str,
    changes: Changes,
    modules: Sequence[ModuleHistory],
    created: datetime,
    build_url: str | None,
) -> BuildInfo:
    source, deps, scan = reports.source, reports.deps, reports.scan
    return BuildInfo(
        service=config.service,
        build_id=build_id,
        commit=source.commit,
        repo_url=source.repo_url,
        branch=source.branch,
        author=source.author,
        pr_id=source.pr_id,
        kind=config.kind,
        criticality=config.criticality,
        created=created,
        build_url=build_url,
        platforms=_platforms(reports, config.service, build_id, config.build.optional_platforms),
        sbom=reports.sbom,
        components=deps.components if deps else None,
        dependencies_added=[d.key for d in deps.added] if deps else [],
        dependencies_updated=[d.key for d in deps.updated] if deps else [],
        dependencies_baseline=bool(deps and deps.status == "compared"),
        scan=ScanSummary(
            critical=scan.counts.critical,
            high=scan.counts.high,
            medium=scan.counts.medium,
            low=scan.counts.low,
            unknown=scan.counts.unknown,
            blocking=scan.blocking,
        )
        if scan
        else None,
        changes=changes,
        modules=list(modules),
        missing=reports.missing(),
    )


def _measured(value: float | None, source: str) -> Number:
    return Number(value=value, status="measured", source=source)


def _missing(source: str) -> Number:
    return Number(value=None, status="missing", source=source)


def _tests_sum(tests: TestsReport | None, field: str) -> Number:
    if tests is None:
        return _missing("tests.json")
    ran = [p for p in tests.platforms if p.status == "ran"]
    if not ran:
        return _missing("tests.json")
    return _measured(sum(getattr(p.counts, field) for p in ran), "tests.json")


def _coverage_delta(tests: TestsReport | None) -> Number:
    if tests is None:
        return _missing("tests.json")
    deltas = [p.coverage.line_delta for p in tests.platforms if p.coverage]
    known = [d for d in deltas if d is not None]
    if known:
        return _measured(min(known), "tests.json")
    if deltas:
        # Coverage was measured but there was no baseline: no change is the neutral stand-in.
        return Number(value=0.0, status="defaulted", source="tests.json (no coverage baseline)")
    return _missing("tests.json")


def _configured(config: RepoConfig, field: str, value: str) -> Text:
    """A .cipipe.yaml value, "defaulted" when the file left it to the model's default."""
    status = "measured" if field in config.model_fields_set else "defaulted"
    return Text(value=value, status=status, source=".cipipe.yaml")


def _integration_failed(tests: TestsReport | None) -> Number:
    """How many platforms' smoke tests failed; missing when no platform ran one."""
    smoke = [p.smoke for p in (tests.platforms if tests else []) if p.smoke is not None]
    if not smoke:
        return _missing("tests.json (no smoke test)")
    return _measured(sum(1 for s in smoke if not s.passed), "tests.json")


@dataclass(frozen=True)
class _DependencyChanges:
    """The four risk inputs deps_changed.json gives, all with one status: counts only when
    there was a baseline to compare with, names whenever the file exists."""

    new: Number
    updated: Number
    new_names: Names
    updated_names: Names


def _dependency_changes(deps: DepsChanged | None) -> _DependencyChanges:
    status = "measured" if deps and deps.status == "compared" else "missing"
    measured = deps is not None and status == "measured"
    source = "deps_changed.json"
    return _DependencyChanges(
        new=Number(
            value=len(deps.added) if deps and measured else None, status=status, source=source
        ),
        updated=Number(
            value=len(deps.updated) if deps and measured else None, status=status, source=source
        ),
        new_names=Names(
            value=[d.key for d in deps.added] if deps else [], status=status, source=source
        ),
        updated_names=Names(
            value=[d.key for d in deps.updated] if deps else [], status=status, source=source
        ),
    )


def _vulnerabilities(scan: ScanReport | None, severity: str) -> Number:
    if scan is None:
        return _missing("scan.json")
    return _measured(getattr(scan.counts, severity), "scan.json")


def _worst_module(info: BuildInfo) -> tuple[Number, Number]:
    """The failure rate of the changed module that failed most often in history, and over how
    many builds it was measured."""
    rates = [m for m in info.modules if m.failure_rate is not None]
    if not rates:
        no_history = Number(value=None, status="missing", source="history (no earlier builds)")
        return no_history, _missing("history")
    worst = max(rates, key=lambda m: m.failure_rate or 0.0)
    source = f"history: {worst.module}"
    return _measured(worst.failure_rate, source), _measured(worst.total, source)


def _emulator_results(tests: TestsReport | None) -> list[EmulatorResult]:
    """Platforms whose tests ran under an emulator; passed is None when they did not run."""
    return [
        EmulatorResult(
            platform=p.platform,
            runner=p.runner,
            passed=(p.counts.failed == 0 and p.counts.errors == 0) if p.status == "ran" else None,
        )
        for p in (tests.platforms if tests else [])
        if p.runner in {"qemu", "wine", "emulator"}
    ]


def risk_inputs(info: BuildInfo, reports: StepReports, config: RepoConfig) -> RiskInputs:
    tests, scan = reports.tests, reports.scan
    deps = _dependency_changes(reports.deps)
    module_failure_rate, module_failure_rate_builds = _worst_module(info)
    metrics = info.changes.metrics.model_dump()
    return RiskInputs(
        commit=info.commit,
        build_id=info.build_id,
        repo=info.repo_url,
        branch=info.branch,
        author=(info.author.email or info.author.name) if info.author else None,
        service=info.service,
        kind=_configured(config, "kind", info.kind),
        criticality=_configured(config, "criticality", info.criticality),
        targets=[p.platform for p in info.platforms],
        artifacts=[
            ArtifactDigest(platform=p.platform, name=a.name, sha256=a.sha256)
            for p in info.platforms
            for a in p.artifacts
        ],
        unit_tests_failed=_tests_sum(tests, "failed"),
        unit_tests_flaky=_tests_sum(tests, "flaky"),
        integration_failed=_integration_failed(tests),
        test_errors=_tests_sum(tests, "errors"),
        coverage_delta=_coverage_delta(tests),
        dependencies_new=deps.new,
        dependencies_updated=deps.updated,
        dependencies_new_names=deps.new_names,
        dependencies_updated_names=deps.updated_names,
        vulnerabilities_critical=_vulnerabilities(scan, "critical"),
        vulnerabilities_high=_vulnerabilities(scan, "high"),
        vulnerabilities_medium=_vulnerabilities(scan, "medium"),
        files_changed=_measured(info.changes.files_changed, "git"),
        lines_added=_measured(info.changes.lines_added, "git"),
        lines_deleted=_measured(info.changes.lines_deleted, "git"),
        change_metrics={name: _measured(float(value), "git") for name, value in metrics.items()},
        module_failure_rate=module_failure_rate,
        module_failure_rate_builds=module_failure_rate_builds,
        emulator_results=_emulator_results(tests),
    )
