"""build-info.json: one file per build with all that later steps and people ask of it (seed 7.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Amount, Count, Fraction, Percent, PercentPoints
from cipipe.contracts.source import Person
from cipipe.identifiers import ArtifactName, BuildIdText, Name

RangeSource = Literal[
    "flag", "merge-base", "previous-build", "jenkins-previous-success", "parent", "root"
]


class DiffRange(Strict):
    base: str | None = Field(description="null: the commit has no parent (first commit)")
    commit: str
    source: RangeSource = Field(description="Why this base: --base, PR merge base, Jenkins, parent")


class ChangedFile(Strict):
    path: str
    old_path: str | None = None
    status: Literal["added", "modified", "deleted", "renamed", "copied", "type-changed"]
    added: Count | None = Field(description="null for binary files")
    deleted: Count | None
    binary: bool
    module: str


class ChangeMetrics(Strict):
    """Kamei et al.'s 14 just-in-time metrics of the change (TSE 2013)."""

    ns: Count = Field(description="Subsystems touched")
    nd: Count = Field(description="Directories touched")
    nf: Count = Field(description="Files touched")
    entropy: Amount = Field(
        description="Spread of the changed lines across files (bits, not normalised, as in the "
        "just-in-time defect data)"
    )
    la: Count = Field(description="Lines added")
    ld: Count = Field(description="Lines deleted")
    lt: Count = Field(description="Lines in the touched files before the change")
    fix: bool = Field(description="The change fixes a defect")
    ndev: Count = Field(description="Developers who changed the touched files before")
    age: Amount = Field(description="Mean days since the touched files last changed")
    nuc: Count = Field(description="Unique earlier changes to the touched files")
    exp: Amount = Field(description="The author's earlier changes")
    rexp: Amount = Field(description="The author's earlier changes, weighted by recency")
    sexp: Amount = Field(description="The author's earlier changes to these subsystems")


class Changes(Strict):
    range: DiffRange
    files: list[ChangedFile]
    files_changed: Count
    lines_added: Count
    lines_deleted: Count
    metrics: ChangeMetrics


class StoredArtifact(Strict):
    name: ArtifactName
    size: Count
    sha256: str
    sha1: str
    md5: str
    store_path: str = Field(
        description="<service>/<buildId>/<platform>/<name>: the path inside the artifact "
        "store's repository, without the repository key (publish --repository, default "
        "candidates), as JFrog's build-info `path` holds it"
    )
    url: str | None = Field(
        default=None, description="Where `cipipe publish` put it: the repository included"
    )


class PlatformInfo(Strict):
    platform: Name
    build: Literal["built", "failed", "skipped", "missing"]
    optional: bool = Field(
        default=False,
        description="Listed in build.optional_platforms: publish goes on without it when it did "
        "not build, and records it as missing on the candidate",
    )
    artifacts: list[StoredArtifact] = Field(default_factory=list)
    tests: Literal["ran", "not-run", "missing"] = "missing"
    passed: Count | None = None
    failed: Count | None = None
    flaky: Count | None = None
    errors: Count | None = None
    smoke_passed: bool | None = None
    coverage_line_percent: Percent | None = None
    coverage_line_delta: PercentPoints | None = None


class ScanSummary(Strict):
    critical: Count
    high: Count
    medium: Count
    low: Count
    unknown: Count
    blocking: list[str]


class ModuleHistory(Strict):
    module: str
    failed: Count
    total: Count
    failure_rate: Fraction | None = Field(description="failed / total; null when total is 0")
    window_days: Count | None


class BuildInfo(Contract):
    SCHEMA_NAME = "build-info"
    FILE_NAME = "build-info.json"

    service: Name
    build_id: BuildIdText
    commit: str
    repo_url: str | None
    branch: str | None
    author: Person | None
    pr_id: str | None
    kind: str
    criticality: str
    created: datetime = Field(description="When this file was made (UTC)")
    build_url: str | None = None
    platforms: list[PlatformInfo]
    sbom: str | None = Field(description="Path of the SBOM in the work folder, if made")
    components: Count | None = None
    dependencies_added: list[str] = Field(default_factory=list)
    dependencies_updated: list[str] = Field(default_factory=list)
    dependencies_baseline: bool = Field(description="deps_changed compared with a baseline")
    scan: ScanSummary | None
    changes: Changes
    modules: list[ModuleHistory]
    missing: list[str] = Field(description="Inputs that did not exist (missing evidence)")
