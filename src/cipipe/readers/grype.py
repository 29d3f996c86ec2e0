"""grype's JSON report (``grype -o json``), as grype 0.7x-0.9x writes it.

{"matches": [
   {"vulnerability": {"id": "CVE-2020-14155", "namespace": "nvd:cpe", "severity": "Medium",
                      "cvss": [{"version": "3.1", "vector": "CVSS:3.1/...",
                                "metrics": {"baseScore": 5.3}}],
                      "fix": {"versions": ["8.45"], "state": "fixed"}},
    "relatedVulnerabilities": [{"id": "CVE-2020-14155", "namespace": "nvd:cpe", ...}],
    "matchDetails": [...],
    "artifact": {"name": "pcre", "version": "8.43", "type": "conan",
                 "purl": "pkg:conan/pcre@8.43", ...}}],
 "source": {...}, "distro": {...}, "descriptor": {"name": "grype", "version": "0.74.0"}}

grype reports a GHSA and the CVE it aliases as a match on the GHSA with the CVE among
``relatedVulnerabilities``; those ids become the finding's aliases. Severities are Title-case
("Negligible" for the Debian/Ubuntu level below Low). ``fix.state`` is "fixed", "not-fixed",
"wont-fix" or "unknown"; only "fixed" gives a fixed version.
"""

from __future__ import annotations

import json

from cipipe.readers.findings import ExternalFinding, ReportError, number, rating_from_text


class GrypeJsonError(ReportError):
    pass


def parse_grype_json(text: str | bytes) -> list[ExternalFinding]:
    """The findings of a grype JSON report, in the order of the report."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also too deep, or a 5,000-digit number
        raise GrypeJsonError(
            f"malformed grype JSON ({exc}); a truncated file or not JSON at all"
        ) from None
    if not isinstance(document, dict) or "matches" not in document:
        raise GrypeJsonError("not a grype JSON report: no top-level 'matches'")
    matches = document["matches"]
    if matches is None:
        return []
    if not isinstance(matches, list):
        raise GrypeJsonError("not a grype JSON report: 'matches' is not a list")
    return [_finding(m, i) for i, m in enumerate(matches)]


def _finding(match: object, index: int) -> ExternalFinding:
    where = f"matches[{index}]"
    if not isinstance(match, dict):
        raise GrypeJsonError(f"{where} is not an object")
    vulnerability, artifact = match.get("vulnerability"), match.get("artifact")
    if not isinstance(vulnerability, dict) or not isinstance(artifact, dict):
        raise GrypeJsonError(f"{where} has no 'vulnerability' or no 'artifact'")
    vuln_id, name = vulnerability.get("id"), artifact.get("name")
    if not isinstance(vuln_id, str) or not vuln_id:
        raise GrypeJsonError(f"{where}: the vulnerability has no 'id'")
    if not isinstance(name, str) or not name:
        raise GrypeJsonError(f"{where}: the artifact has no 'name'")
    version = artifact.get("version")
    purl = artifact.get("purl")
    return ExternalFinding(
        id=vuln_id,
        aliases=_aliases(vuln_id, match.get("relatedVulnerabilities")),
        package=name,
        purl=purl if isinstance(purl, str) and purl else None,
        installed_version=version if isinstance(version, str) else "",
        fixed_version=_fixed(vulnerability.get("fix")),
        severity=rating_from_text(vulnerability.get("severity")),
        score=_score(vulnerability.get("cvss")),
        source="grype",
    )


def _aliases(vuln_id: str, related: object) -> tuple[str, ...]:
    if not isinstance(related, list):
        return ()
    ids: list[str] = []
    for item in related:
        other = item.get("id") if isinstance(item, dict) else None
        if isinstance(other, str) and other and other != vuln_id and other not in ids:
            ids.append(other)
    return tuple(ids)


def _fixed(fix: object) -> str | None:
    if not isinstance(fix, dict) or fix.get("state") != "fixed":
        return None
    versions = fix.get("versions")
    if not isinstance(versions, list):
        return None
    fixed = [v for v in versions if isinstance(v, str) and v]
    return ", ".join(fixed) or None


def _score(cvss: object) -> float | None:
    """The base score of the newest CVSS version given (grype lists one entry per source)."""
    if not isinstance(cvss, list):
        return None
    best: tuple[float, float] | None = None
    for entry in cvss:
        if not isinstance(entry, dict):
            continue
        metrics = entry.get("metrics")
        score = number(metrics.get("baseScore")) if isinstance(metrics, dict) else None
        try:
            version = float(str(entry.get("version", "0")))
        except ValueError:
            version = 0.0
        if score is not None and (best is None or (version, score) > best):
            best = (version, score)
    return best[1] if best else None
