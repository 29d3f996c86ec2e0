from __future__ import annotations

import pytest

from cipipe.readers.findings import ExternalFinding, ReportError
from cipipe.readers.grype import GrypeJsonError, parse_grype_json
from tests.conftest import DATA

GRYPE = DATA / "grype"


def test_report_with_three_matches() -> None:
    findings = parse_grype_json((GRYPE / "grype-0.74-dir.json").read_text())
    assert findings == [
        ExternalFinding(
            id="GHSA-q7c5-h5vx-2wqh",
            aliases=("CVE-2020-28498",),
            package="elliptic",
            purl="pkg:npm/elliptic@6.5.3",
            installed_version="6.5.3",
            fixed_version="6.5.4",
            severity="medium",
            score=6.8,
            source="grype",
        ),
        ExternalFinding(
            id="CVE-2022-37434",
            aliases=(),  # the related entry is the same CVE (NVD's copy)
            package="zlib1g",
            purl=(
                "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"
                "&upstream=zlib%401%3A1.2.13.dfsg-1&distro=debian-12"
            ),
            installed_version="1:1.2.13.dfsg-1",
            fixed_version=None,  # wont-fix
            severity="low",  # Debian's "Negligible"
            score=None,  # grype gives no CVSS for the Debian record itself
            source="grype",
        ),
        ExternalFinding(
            id="CVE-2021-3999",
            aliases=(),
            package="glibc",
            purl=None,
            installed_version="2.33",
            fixed_version=None,  # not-fixed
            severity="high",
            score=7.8,
            source="grype",
        ),
    ]


def test_empty_report() -> None:
    assert parse_grype_json((GRYPE / "grype-empty.json").read_bytes()) == []


def test_truncated_report() -> None:
    with pytest.raises(GrypeJsonError, match=r"malformed grype JSON .* truncated"):
        parse_grype_json((GRYPE / "grype-truncated.json").read_text())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", r"malformed grype JSON"),
        ('{"Results": []}', r"no top-level 'matches'"),
        ('{"matches": {}}', r"'matches' is not a list"),
        ('{"matches": [1]}', r"matches\[0\] is not an object"),
        ('{"matches": [{"vulnerability": {"id": "CVE-1"}}]}', r"no 'artifact'"),
        ('{"matches": [{"vulnerability": {}, "artifact": {"name": "a"}}]}', r"has no 'id'"),
        ('{"matches": [{"vulnerability": {"id": "CVE-1"}, "artifact": {}}]}', r"no 'name'"),
    ],
)
def test_not_a_grype_report(text: str, reason: str) -> None:
    with pytest.raises(GrypeJsonError, match=reason):
        parse_grype_json(text)


def test_newest_cvss_version_gives_the_score() -> None:
    text = """{"matches": [{"vulnerability": {"id": "CVE-1", "severity": "Critical",
        "cvss": [{"version": "2.0", "metrics": {"baseScore": 10.0}},
                 {"version": "3.1", "metrics": {"baseScore": 9.1}},
                 {"version": "bad", "metrics": {"baseScore": "high"}}],
        "fix": {"versions": ["1.2", "2.0.1"], "state": "fixed"}},
        "artifact": {"name": "a", "version": "1.0"}}]}"""
    [finding] = parse_grype_json(text)
    assert (finding.severity, finding.score, finding.fixed_version) == (
        "critical",
        9.1,
        "1.2, 2.0.1",
    )
    assert finding.purl is None and finding.aliases == ()


def test_reader_error_is_a_report_error() -> None:
    assert issubclass(GrypeJsonError, ReportError) and issubclass(ReportError, ValueError)
