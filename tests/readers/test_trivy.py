from __future__ import annotations

import pytest

from cipipe.readers.findings import ExternalFinding, ReportError, rating_from_text
from cipipe.readers.trivy import TrivyJsonError, parse_trivy_json
from tests.conftest import DATA

TRIVY = DATA / "trivy"


def test_report_with_os_and_language_packages() -> None:
    findings = parse_trivy_json((TRIVY / "trivy-0.50-fs.json").read_text())
    assert [(f.id, f.package, f.severity, f.score, f.fixed_version) for f in findings] == [
        ("CVE-2023-4911", "libc6", "high", 7.8, "2.36-9+deb12u3"),
        ("CVE-2011-3374", "apt", "low", 3.7, None),
        ("CVE-2020-14155", "pcre", "medium", 5.3, "8.45, 8.44.1"),
        ("GHSA-8wmw-87fc-9x2m", "zlib", "unknown", None, "1.2.13"),
    ]
    assert findings[0] == ExternalFinding(
        id="CVE-2023-4911",
        aliases=("DSA-5514-1",),
        package="libc6",
        purl="pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12.5",
        installed_version="2.36-9+deb12u1",
        fixed_version="2.36-9+deb12u3",
        severity="high",
        score=7.8,  # SeveritySource "debian" has no CVSS: NVD's
        source="trivy",
    )
    assert findings[2].purl == "pkg:conan/pcre@8.43"


def test_clean_scan_has_no_results() -> None:
    assert parse_trivy_json((TRIVY / "trivy-clean.json").read_bytes()) == []


def test_truncated_report() -> None:
    with pytest.raises(TrivyJsonError, match=r"malformed trivy JSON .* truncated"):
        parse_trivy_json((TRIVY / "trivy-truncated.json").read_text())


def test_schema_version_1_list_of_results() -> None:
    text = """[{"Target": "a", "Vulnerabilities": null},
               {"Target": "b", "Vulnerabilities": [{"VulnerabilityID": "CVE-1",
                "PkgName": "lodash", "InstalledVersion": "4.17.4",
                "FixedVersion": ">=4.17.11", "Severity": "HIGH"}]}]"""
    [finding] = parse_trivy_json(text)
    assert (finding.id, finding.package, finding.severity) == ("CVE-1", "lodash", "high")


def test_score_source_preference() -> None:
    text = """{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"VulnerabilityID": "CVE-1",
        "PkgName": "a", "SeveritySource": "ghsa", "Severity": "CRITICAL",
        "CVSS": {"nvd": {"V3Score": 9.8}, "ghsa": {"V3Score": 9.1, "V40Score": 9.3}}}]}]}"""
    [finding] = parse_trivy_json(text)
    assert finding.score == 9.3  # the severity's source, newest CVSS version


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", r"malformed trivy JSON"),
        ('{"matches": []}', r"no 'SchemaVersion' and no 'Results'"),
        ('{"SchemaVersion": 2, "Results": {}}', r"'Results' is not a list"),
        ('{"SchemaVersion": 2, "Results": [3]}', r"Results\[0\] is not an object"),
        ('{"SchemaVersion": 2, "Results": [{"Vulnerabilities": {}}]}', r"is not a list"),
        (
            '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "a"}]}]}',
            r"no 'VulnerabilityID'",
        ),
        (
            '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"VulnerabilityID": "C"}]}]}',
            r"no 'PkgName'",
        ),
    ],
)
def test_not_a_trivy_report(text: str, reason: str) -> None:
    with pytest.raises(TrivyJsonError, match=reason):
        parse_trivy_json(text)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("CRITICAL", "critical"),
        ("Critical", "critical"),
        ("HIGH", "high"),
        ("Important", "high"),
        ("MODERATE", "medium"),
        ("Medium", "medium"),
        ("LOW", "low"),
        ("Negligible", "low"),
        ("UNKNOWN", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
        (7, "unknown"),
    ],
)
def test_rating_from_text(text: object, rating: str) -> None:
    assert rating_from_text(text) == rating


def test_reader_error_is_a_report_error() -> None:
    assert issubclass(TrivyJsonError, ReportError)
