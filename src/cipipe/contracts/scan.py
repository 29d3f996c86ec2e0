"""scan.json: known vulnerabilities of the SBOM's components, and which of them block (seed 5.4)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count

SeverityLevel = Literal["critical", "high", "medium", "low", "unknown"]


class Suppression(Strict):
    reason: str
    expires: date


class VulnerabilityFinding(Strict):
    id: str
    aliases: list[str] = Field(default_factory=list)
    package: str
    purl: str | None = None
    installed_version: str | None
    fixed_version: str | None = None
    severity: SeverityLevel
    score: float | None = None
    sources: list[Literal["osv", "grype", "trivy"]]
    summary: str | None = None
    blocking: bool
    ignored: Suppression | None = Field(
        default=None, description="An accepted risk from the policy, until it expires"
    )


class SeverityTally(Strict):
    critical: Count = 0
    high: Count = 0
    medium: Count = 0
    low: Count = 0
    unknown: Count = 0


class ScanReport(Contract):
    SCHEMA_NAME = "scan"
    FILE_NAME = "scan.json"

    sbom: str = "sbom.json"
    components: Count
    advisories: Count = Field(description="Advisories loaded from the OSV folder")
    sources: list[str] = Field(description="The OSV folder and reports read")
    findings: list[VulnerabilityFinding]
    counts: SeverityTally = Field(description="Findings by severity, ignored ones excluded")
    blocking: list[str] = Field(description="Ids of the findings that fail the step")
    warnings: list[str] = Field(
        default_factory=list, description="Unreadable advisories or reports, undecidable ranges"
    )
    outcome: Literal["passed", "failed"]
