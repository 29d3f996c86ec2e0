from __future__ import annotations

import pytest

from cipipe.readers.osv import (
    Advisory,
    Affected,
    PackageRef,
    SeverityEntry,
    advisory_from_json,
    osv_document,
)
from cipipe.steps.scan.severity import advisory_severity, base_score, rating_for_score
from tests.conftest import DATA

V3_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
V3_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
V4_MEDIUM = "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N"  # 5.1
V2_MAX = "AV:N/AC:L/Au:N/C:C/I:C/A:C"  # 10.0


def osv_fixture(name: str) -> Advisory:
    return advisory_from_json(osv_document((DATA / "osv" / name).read_text()))


def advisory(
    *entries: tuple[str, str],
    text: str | None = None,
    affected: tuple[Affected, ...] = (),
) -> Advisory:
    return Advisory(
        id="X-1",
        aliases=(),
        summary=None,
        modified=None,
        affected=affected,
        severity=tuple(SeverityEntry(t, s) for t, s in entries),
        database_specific_severity=text,
    )


@pytest.mark.parametrize(
    ("score", "version", "rating"),
    [
        (10.0, 3, "critical"),
        (9.0, 3, "critical"),
        (8.9, 3, "high"),
        (7.0, 4, "high"),
        (6.9, 3, "medium"),
        (4.0, 3, "medium"),
        (3.9, 3, "low"),
        (0.1, 3, "low"),
        (0.0, 3, "low"),  # CVSS "None": known and minimal, not unknown
        (10.0, 2, "high"),  # CVSS v2 has no critical
        (float("nan"), 3, "unknown"),
        (11.0, 3, "unknown"),
    ],
)
def test_rating_for_score(score: float, version: int, rating: str) -> None:
    assert rating_for_score(score, cvss_version=version) == rating


def test_cvss_v3_vector_gives_score_and_rating() -> None:
    severity = advisory_severity(osv_fixture("GHSA-q7c5-h5vx-2wqh.json"))
    assert (severity.rating, severity.score, severity.source) == ("medium", 6.8, "CVSS_V3")
    assert severity.vector == "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"
    assert severity.warnings == ()


def test_newest_cvss_version_wins() -> None:
    severity = advisory_severity(advisory(("CVSS_V3", V3_CRITICAL), ("CVSS_V4", V4_MEDIUM)))
    assert (severity.rating, severity.score, severity.source) == ("medium", 5.1, "CVSS_V4")


def test_cvss_v2_alone_uses_the_v2_scale() -> None:
    severity = advisory_severity(advisory(("CVSS_V2", V2_MAX)))
    assert (severity.rating, severity.score) == ("high", 10.0)


def test_plain_number_score() -> None:
    assert advisory_severity(advisory(("CVSS_V3", "9.1"))).score == 9.1
    assert advisory_severity(advisory(("CVSS_V3", "9.1"))).vector is None


def test_bad_vectors_fall_back_to_text_with_warnings() -> None:
    severity = advisory_severity(osv_fixture("bad-cvss.json"))
    assert (severity.rating, severity.score, severity.source) == ("high", None, "database_specific")
    assert len(severity.warnings) == 2
    assert severity.warnings[0].startswith("bad CVSS_V4 vector")
    assert severity.warnings[1].startswith("bad CVSS_V3 vector")


@pytest.mark.parametrize(
    "entry",
    [
        ("CVSS_V3", "CVSS:3.1/AV:N"),
        ("CVSS_V3", "garbage"),
        ("CVSS_V4", ""),
        ("CVSS_V2", "AV:Z"),
        ("CVSS_V3", "12.5"),
    ],
)
def test_bad_vector_alone_is_unknown_with_a_warning(entry: tuple[str, str]) -> None:
    severity = advisory_severity(advisory(entry))
    assert (severity.rating, severity.score, severity.source) == ("unknown", None, "none")
    assert len(severity.warnings) == 1


def test_bad_vector_then_good_older_vector() -> None:
    severity = advisory_severity(advisory(("CVSS_V4", "CVSS:4.0/nonsense"), ("CVSS_V3", V3_HIGH)))
    assert (severity.rating, severity.score, severity.source) == ("high", 7.5, "CVSS_V3")
    assert len(severity.warnings) == 1


def test_text_severities() -> None:
    assert advisory_severity(advisory(text="MODERATE")).rating == "medium"
    assert advisory_severity(advisory(text="whatever")).rating == "unknown"
    rust = osv_fixture("RUSTSEC-2019-0033.json")
    severity = advisory_severity(rust, rust.affected[0])
    assert (severity.rating, severity.source) == ("high", "ecosystem_specific")
    ubuntu = advisory_severity(advisory(("Ubuntu", "negligible")))
    assert (ubuntu.rating, ubuntu.source) == ("low", "Ubuntu")


def test_no_severity_at_all() -> None:
    assert advisory_severity(advisory()).rating == "unknown"


def test_per_package_severity_replaces_the_top_level() -> None:
    package = Affected(
        package=PackageRef("PyPI", "a", None),
        ranges=(),
        versions=(),
        severity=(SeverityEntry("CVSS_V3", V3_HIGH),),
    )
    other = Affected(package=PackageRef("PyPI", "b", None), ranges=(), versions=())
    record = advisory(("CVSS_V3", V3_CRITICAL), affected=(package, other))
    assert advisory_severity(record, package).score == 7.5
    assert advisory_severity(record, other).score == 9.8
    assert advisory_severity(record).score == 9.8


def test_base_score_refuses_non_cvss_types() -> None:
    with pytest.raises(ValueError, match="not a CVSS type"):
        base_score("Ubuntu", "high")
