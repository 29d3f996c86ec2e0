"""From matches and other scanners' findings to the findings of scan.json.

One vulnerability found by OSV, grype and trivy under different ids (a GHSA, a CVE) is one
finding: findings of one package version merge when their ids or aliases meet. The policy then
decides which block, and an accepted risk is honoured only until its expiry date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from cipipe.contracts.repo_config import IgnoredVulnerability, ScanPolicy
from cipipe.contracts.scan import SeverityTally, Suppression, VulnerabilityFinding

SEVERITY_RANK = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass
class Draft:
    """A finding being assembled from one or more sources."""

    id: str
    aliases: set[str]
    package: str
    purl: str | None
    installed_version: str | None
    fixed_version: str | None
    severity: str
    score: float | None
    sources: set[str]
    summary: str | None = None
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ids = {self.id, *self.aliases}
        self._headline()

    def _headline(self) -> None:
        # A CVE id reads best to most people; keep it as the headline when one is known.
        self.id = min(self.ids, key=lambda i: (not i.startswith("CVE-"), i))
        self.aliases = self.ids - {self.id}

    def absorb(self, other: Draft) -> None:
        self.ids |= other.ids
        self.sources |= other.sources
        self.fixed_version = self.fixed_version or other.fixed_version
        self.summary = self.summary or other.summary
        self.purl = self.purl or other.purl
        if SEVERITY_RANK[other.severity] > SEVERITY_RANK[self.severity]:
            self.severity = other.severity
        if other.score is not None and (self.score is None or other.score > self.score):
            self.score = other.score
        self._headline()


def merge(drafts: Sequence[Draft]) -> list[Draft]:
    merged: list[Draft] = []
    for draft in drafts:
        same_package = [
            m
            for m in merged
            if m.package.lower() == draft.package.lower()
            and m.installed_version == draft.installed_version
            and m.ids & draft.ids
        ]
        if not same_package:
            merged.append(draft)
            continue
        keeper = same_package[0]
        keeper.absorb(draft)
        for other in same_package[1:]:  # the new ids may join two findings
            keeper.absorb(other)
            merged.remove(other)
    return sorted(merged, key=lambda d: (-SEVERITY_RANK[d.severity], d.package, d.id))


def _suppression(
    draft: Draft, ignore: Sequence[IgnoredVulnerability], today: date, warnings: list[str]
) -> Suppression | None:
    for entry in ignore:
        if entry.id not in draft.ids:
            continue
        if entry.package and entry.package.lower() != draft.package.lower():
            continue
        if entry.expires < today:
            warnings.append(
                f"the accepted risk {entry.id} ({entry.reason}) expired on {entry.expires}: "
                "it counts again"
            )
            continue
        return Suppression(reason=entry.reason, expires=entry.expires)
    return None


def judge(
    drafts: Sequence[Draft], policy: ScanPolicy, today: date, warnings: list[str]
) -> tuple[list[VulnerabilityFinding], SeverityTally]:
    findings: list[VulnerabilityFinding] = []
    counts = SeverityTally()
    for draft in drafts:
        ignored = _suppression(draft, policy.ignore, today, warnings)
        blocking = ignored is None and draft.severity in policy.block_on
        if ignored is None:
            setattr(counts, draft.severity, getattr(counts, draft.severity) + 1)
        findings.append(
            VulnerabilityFinding(
                id=draft.id,
                aliases=sorted(draft.aliases),
                package=draft.package,
                purl=draft.purl,
                installed_version=draft.installed_version,
                fixed_version=draft.fixed_version,
                severity=draft.severity,
                score=draft.score,
                sources=sorted(draft.sources),
                summary=draft.summary,
                blocking=blocking,
                ignored=ignored,
            )
        )
    return findings, counts
