"""trivy's JSON report (``trivy fs|image|sbom -f json``), schema version 2.

{"SchemaVersion": 2, "ArtifactName": "...", "ArtifactType": "repository",
 "Results": [
   {"Target": "conan.lock", "Class": "lang-pkgs", "Type": "conan",
    "Vulnerabilities": [
      {"VulnerabilityID": "CVE-2020-14155", "VendorIDs": ["DLA-2532-1"], "PkgName": "pcre",
       "PkgIdentifier": {"PURL": "pkg:conan/pcre@8.43", "UID": "..."},
       "InstalledVersion": "8.43", "FixedVersion": "8.45", "Status": "fixed",
       "SeveritySource": "nvd", "Severity": "MEDIUM",
       "CVSS": {"nvd": {"V2Vector": "...", "V3Vector": "...", "V2Score": 5, "V3Score": 5.3}}}]}]}

trivy leaves out empty fields: a clean scan may have no ``Results`` and a clean target no
``Vulnerabilities`` (older versions write ``null``). Severities are upper case. ``FixedVersion``
may list several versions ("1.5.13, 1.3.15"), one per release line. The score is taken from
the source that set the severity (``SeveritySource``), else NVD, else the first source with a
score; within it the newest CVSS version. Before schema version 2 the report was a bare list of
results; that form is read too.
"""

from __future__ import annotations

import json

from cipipe.readers.findings import ExternalFinding, ReportError, number, rating_from_text


class TrivyJsonError(ReportError):
    pass


def parse_trivy_json(text: str | bytes) -> list[ExternalFinding]:
    """The vulnerability findings of a trivy JSON report, in the order of the report."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also too deep, or a 5,000-digit number
        raise TrivyJsonError(
            f"malformed trivy JSON ({exc}); a truncated file or not JSON at all"
        ) from None
    if isinstance(document, list):
        results: object = document
    elif isinstance(document, dict) and ("SchemaVersion" in document or "Results" in document):
        results = document.get("Results")
        results = [] if results is None else results
    else:
        raise TrivyJsonError("not a trivy JSON report: no 'SchemaVersion' and no 'Results'")
    if not isinstance(results, list):
        raise TrivyJsonError("not a trivy JSON report: 'Results' is not a list")
    findings: list[ExternalFinding] = []
    for i, result in enumerate(results):
        if not isinstance(result, dict):
            raise TrivyJsonError(f"Results[{i}] is not an object")
        vulnerabilities = result.get("Vulnerabilities")
        vulnerabilities = [] if vulnerabilities is None else vulnerabilities
        if not isinstance(vulnerabilities, list):
            raise TrivyJsonError(f"Results[{i}].Vulnerabilities is not a list")
        findings.extend(
            _finding(v, f"Results[{i}].Vulnerabilities[{j}]") for j, v in enumerate(vulnerabilities)
        )
    return findings


def _finding(vuln: object, where: str) -> ExternalFinding:
    if not isinstance(vuln, dict):
        raise TrivyJsonError(f"{where} is not an object")
    vuln_id, name = vuln.get("VulnerabilityID"), vuln.get("PkgName")
    if not isinstance(vuln_id, str) or not vuln_id:
        raise TrivyJsonError(f"{where} has no 'VulnerabilityID'")
    if not isinstance(name, str) or not name:
        raise TrivyJsonError(f"{where} ({vuln_id}) has no 'PkgName'")
    identifier = vuln.get("PkgIdentifier")
    purl = identifier.get("PURL") if isinstance(identifier, dict) else None
    installed, fixed = vuln.get("InstalledVersion"), vuln.get("FixedVersion")
    vendor_ids = vuln.get("VendorIDs")
    aliases = (
        tuple(v for v in vendor_ids if isinstance(v, str) and v and v != vuln_id)
        if isinstance(vendor_ids, list)
        else ()
    )
    return ExternalFinding(
        id=vuln_id,
        aliases=aliases,
        package=name,
        purl=purl if isinstance(purl, str) and purl else None,
        installed_version=installed if isinstance(installed, str) else "",
        fixed_version=fixed if isinstance(fixed, str) and fixed else None,
        severity=rating_from_text(vuln.get("Severity")),
        score=_score(vuln.get("CVSS"), vuln.get("SeveritySource")),
        source="trivy",
    )


def _score(cvss: object, severity_source: object) -> float | None:
    if not isinstance(cvss, dict):
        return None
    preferred = [s for s in (severity_source, "nvd") if isinstance(s, str)]
    for source in [*preferred, *cvss]:
        scores = cvss.get(source)
        if not isinstance(scores, dict):
            continue
        for field in ("V40Score", "V3Score", "V2Score"):
            score = number(scores.get(field))
            if score is not None:
                return score
    return None
