"""build-info.json: one file per build with all that later steps and people ask of it (seed 7.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.source import Person
from cipipe.identifiers import ArtifactName, BuildIdText, Name

RangeSource = Literal["flag", "merge-base", "jenkins-previous-success", "parent", "root"]


class DiffRange(Strict):
    base: str | None = Field(description="null: the commit has no parent (first commit)")
    commit: str
    source: RangeSource = Field(description="Why this base: --base, PR merge base, Jenkins, parent")


class ChangedFile(Strict):
    path: str
    old_path: str | None = None
    status: Literal["added", "modified", "deleted", "renamed", "copied", "type-changed"]
    added: int | None = Field(description="null for binary files")
    deleted: int | None
    binary: bool
    module: str


class ChangeMetrics(Strict):
    """Kamei et al.'s 14 just-in-time metrics of the change (TSE 2013)."""

    ns: int = Field(description="Subsystems touched")
    nd: int = Field(description="Directories touched")
    nf: int = Field(description="Files touched")
    entropy: float = Field(
        description="Spread of the changed lines across files (bits, not normalised, as in the "
        "just-in-time defect data)"
    )
    la: int = Field(description="Lines added")
    ld: int = Field(description="Lines deleted")
    lt: int = Field(description="Lines in the touched files before the change")
    fix: bool = Field(description="The change fixes a defect")
    ndev: int = Field(description="Developers who changed the touched files before")
    age: float = Field(description="Mean days since the touched files last changed")
    nuc: int = Field(description="Unique earlier changes to the touched files")
    exp: float = Field(description="The author's earlier changes")
    rexp: float = Field(description="The author's earlier changes, weighted by recency")
    sexp: float = Field(description="The author's earlier changes to these subsystems")


class Changes(Strict):
    range: DiffRange
    files: list[ChangedFile]
    files_changed: int
    lines_added: int
    lines_deleted: int
    metrics: ChangeMetrics


class StoredArtifact(Strict):
    name: ArtifactName
    size: int
    sha256: str
    sha1: str
    md5: str
    store_path: str = Field(description="candidates/<service>/<buildId>/<platform>/<name>")
    url: str | None = Field(default=None, description="Where `cipipe publish` put it")


class PlatformInfo(Strict):
    platform: Name
    build: Literal["built", "failed", "skipped", "missing"]
    artifacts: list[StoredArtifact] = Field(default_factory=list)
    tests: Literal["ran", "not-run", "missing"] = "missing"
    passed: int | None = None
    failed: int | None = None
    flaky: int | None = None
    errors: int | None = None
    smoke_passed: bool | None = None
    coverage_line_percent: float | None = None
    coverage_line_delta: float | None = None


class ScanSummary(Strict):
    critical: int
    high: int
    medium: int
    low: int
    unknown: int
    blocking: list[str]


class ModuleHistory(Strict):
    module: str
    failed: int
    total: int
    failure_rate: float | None = Field(description="failed / total; null when total is 0")
    window_days: int | None


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
    components: int | None = None
    dependencies_added: list[str] = Field(default_factory=list)
    dependencies_updated: list[str] = Field(default_factory=list)
    dependencies_baseline: bool = Field(description="deps_changed compared with a baseline")
    scan: ScanSummary | None
    changes: Changes
    modules: list[ModuleHistory]
    missing: list[str] = Field(description="Inputs that did not exist (missing evidence)")
