"""What other vulnerability scanners found (grype, trivy), in one shape for `cipipe scan`.

The scan step compares its own OSV matches with these findings, so both readers give the same
frozen `ExternalFinding`, with the severity already on cipipe's five-step scale. Each scanner
spells severities its own way (grype "Critical"/"Negligible", trivy "CRITICAL", GitHub
"MODERATE", Red Hat "Important"); `rating_from_text` is the one place that maps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cipipe.errors import ReaderError

Rating = Literal["critical", "high", "medium", "low", "unknown"]
RATINGS: tuple[Rating, ...] = ("critical", "high", "medium", "low", "unknown")

_TEXT_RATINGS: dict[str, Rating] = {
    "critical": "critical",
    "high": "high",
    "important": "high",  # Red Hat
    "moderate": "medium",  # GitHub, Red Hat
    "medium": "medium",
    "low": "low",
    "negligible": "low",  # grype, Debian, Ubuntu
    "minor": "low",
    "none": "low",
    "untriaged": "unknown",
    "unknown": "unknown",
}


class ReportError(ReaderError):
    """A scanner report that cannot be read; the message says why (the caller adds the file)."""


@dataclass(frozen=True)
class ExternalFinding:
    id: str  # as the scanner reports it: "CVE-2020-14155", "GHSA-..."
    aliases: tuple[str, ...]  # other ids of the same vulnerability the report gives
    package: str
    purl: str | None
    installed_version: str
    fixed_version: str | None  # several versions are joined with ", ", as trivy writes them
    severity: Rating
    score: float | None  # CVSS base score, when the report has one
    source: Literal["grype", "trivy"]


def rating_from_text(text: object) -> Rating:
    """cipipe's rating for a scanner's or database's severity word; "unknown" for anything else
    (including no text at all)."""
    if not isinstance(text, str):
        return "unknown"
    return _TEXT_RATINGS.get(text.strip().lower(), "unknown")


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (bool included, which is an int)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
