"""One severity per advisory: a rating (critical, high, medium, low, unknown) and a CVSS score.

OSV records carry severity in several places and several forms, and a policy needs one answer.
In order of preference:

1. CVSS vectors in ``severity[]`` (the affected entry's, which the schema says replaces the top
   level's, else the top level's), newest CVSS version first (V4, then V3, then V2); the base
   score is computed from the vector with the `cvss` library, since a record holds only the
   vector. A score written as a plain number is taken as it is.
2. Text: the top-level ``database_specific.severity`` (GitHub's "MODERATE"), the affected
   entry's ``ecosystem_specific.severity`` (RustSec, PyPA), an Ubuntu priority.
3. Otherwise "unknown".

A vector that does not parse never raises: it is skipped with a warning, and the next source in
the list decides.

Ratings from a score follow the CVSS v3.x/v4.0 qualitative scale: 9.0-10.0 critical, 7.0-8.9
high, 4.0-6.9 medium, 0.1-3.9 low. CVSS v2 had no "critical": its scale is 7.0-10.0 high,
4.0-6.9 medium, 0.0-3.9 low, and a v2-only score keeps that reading. A score of 0.0 ("None" in
CVSS) is rated low, not unknown: the vector is known and says the impact is minimal, whereas
"unknown" is for advisories nobody rated, which a policy may want to treat more carefully.
"""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]

from cipipe.readers.findings import Rating, rating_from_text
from cipipe.readers.osv import Advisory, Affected, SeverityEntry

_CVSS_TYPES = {"CVSS_V4": (4, CVSS4), "CVSS_V3": (3, CVSS3), "CVSS_V2": (2, CVSS2)}


@dataclass(frozen=True)
class Severity:
    rating: Rating
    score: float | None  # CVSS base score, None when the rating comes from text or nowhere
    source: str  # CVSS_V4/V3/V2, database_specific, ecosystem_specific, Ubuntu, or "none"
    vector: str | None = None  # the CVSS vector the score comes from
    warnings: tuple[str, ...] = ()  # severity entries that could not be read


def rating_for_score(score: float, *, cvss_version: int = 3) -> Rating:
    """The qualitative rating of a CVSS base score (see the module docstring for 0.0 and v2)."""
    if score != score or score < 0 or score > 10:  # NaN or out of range
        return "unknown"
    if cvss_version >= 3 and score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def base_score(severity_type: str, vector: str) -> float:
    """The base score of one OSV severity entry; ValueError with the reason when it has none."""
    if severity_type not in _CVSS_TYPES:
        raise ValueError(f"{severity_type} is not a CVSS type")
    text = vector.strip()
    try:
        plain = float(text)
    except ValueError:
        pass
    else:
        if 0.0 <= plain <= 10.0:
            return plain
        raise ValueError(f"{severity_type} score {text} is outside 0-10")
    _, calculator = _CVSS_TYPES[severity_type]
    try:
        return float(calculator(text).base_score)
    except Exception as exc:  # CVSSError, and whatever else an odd vector provokes
        raise ValueError(f"bad {severity_type} vector {text!r}: {exc}") from None


def advisory_severity(advisory: Advisory, affected: Affected | None = None) -> Severity:
    """The severity of ``advisory``, for the package of ``affected`` when one is given."""
    entries = affected.severity if affected is not None and affected.severity else ()
    entries = entries or advisory.severity
    warnings: list[str] = []
    for entry in sorted(
        (e for e in entries if e.type in _CVSS_TYPES), key=lambda e: -_CVSS_TYPES[e.type][0]
    ):
        severity = _from_cvss(entry, warnings)
        if severity is not None:
            return severity
    texts = [
        ("database_specific", advisory.database_specific_severity),
        ("ecosystem_specific", affected.ecosystem_specific_severity if affected else None),
        *((e.type, e.score) for e in entries if e.type == "Ubuntu"),
    ]
    for source, text in texts:
        rating = rating_from_text(text)
        if rating != "unknown":
            return Severity(rating, None, source, warnings=tuple(warnings))
    return Severity("unknown", None, "none", warnings=tuple(warnings))


def _from_cvss(entry: SeverityEntry, warnings: list[str]) -> Severity | None:
    try:
        score = base_score(entry.type, entry.score)
    except ValueError as exc:
        warnings.append(str(exc))
        return None
    version = _CVSS_TYPES[entry.type][0]
    return Severity(
        rating_for_score(score, cvss_version=version),
        score,
        entry.type,
        vector=entry.score if "/" in entry.score else None,
        warnings=tuple(warnings),
    )
