from __future__ import annotations

import json

import pytest

from cipipe.readers.osv import (
    Advisory,
    Event,
    OsvError,
    PackageRef,
    Range,
    SeverityEntry,
    advisory_from_json,
    osv_document,
)
from tests.conftest import DATA

OSV = DATA / "osv"


def parse(name: str) -> Advisory:
    return advisory_from_json(osv_document((OSV / name).read_bytes()))


def test_github_npm_advisory() -> None:
    advisory = parse("GHSA-q7c5-h5vx-2wqh.json")
    assert advisory.id == "GHSA-q7c5-h5vx-2wqh"
    assert advisory.aliases == ("CVE-2020-28498",)
    assert advisory.modified == "2023-11-08T04:03:35Z"
    assert advisory.summary is not None and "secp256k1" in advisory.summary
    assert advisory.severity == (
        SeverityEntry("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"),
    )
    assert advisory.database_specific_severity == "MODERATE"
    assert not advisory.is_withdrawn
    [affected] = advisory.affected
    assert affected.package == PackageRef("npm", "elliptic", "pkg:npm/elliptic")
    assert affected.ranges == (
        Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", "6.5.4")), None),
    )
    assert affected.versions == ()


def test_git_and_ecosystem_ranges_with_versions_list() -> None:
    advisory = parse("PYSEC-2021-0420.json")
    [affected] = advisory.affected
    git, ecosystem = affected.ranges
    assert git.type == "GIT" and git.repo == "https://github.com/pikepdf/pikepdf"
    assert git.events[1] == Event("fixed", "3f38f73218e5e782fe411ccbb3b44a793c0b343a")
    assert ecosystem.type == "ECOSYSTEM" and ecosystem.repo is None
    assert affected.versions[:2] == ("2.8.0", "2.8.0.post1")
    assert affected.ecosystem_specific_severity == "HIGH"
    assert advisory.severity == () and advisory.database_specific_severity is None


def test_unknown_fields_are_ignored() -> None:
    advisory = parse("RUSTSEC-2019-0033.json")
    [affected] = advisory.affected
    assert affected.package == PackageRef("crates.io", "http", "pkg:cargo/http")
    assert affected.ranges[0].events == (
        Event("introduced", "0.0.0-0"),
        Event("fixed", "0.1.20"),
    )
    assert affected.ecosystem_specific_severity == "HIGH"


def test_entry_without_package_needs_git_ranges() -> None:
    advisory = parse("CVE-2020-22283.json")
    [affected] = advisory.affected
    assert affected.package is None
    assert affected.versions[-1] == "STABLE-2_1_2_RELEASE"
    with pytest.raises(OsvError, match=r"affected\[0\]: no 'package'"):
        advisory_from_json(
            {
                "id": "X-1",
                "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
            }
        )


def test_withdrawn_advisories_are_returned() -> None:
    advisory = parse("OSV-2023-0001-withdrawn.json")
    assert advisory.is_withdrawn and advisory.withdrawn == "2023-05-04T10:00:00Z"
    assert advisory.affected[0].package == PackageRef("OSS-Fuzz", "lwip", None)
    # A withdrawn record may have dropped its affected list altogether.
    bare = advisory_from_json({"id": "X-2", "withdrawn": "2024-01-01T00:00:00Z"})
    assert bare.is_withdrawn and bare.affected == ()


def test_unknown_range_type_is_kept_for_the_matcher_to_refuse() -> None:
    advisory = advisory_from_json(
        {
            "id": "X-3",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "a"},
                    "ranges": [{"type": "CALVER", "events": [{"introduced": "2024.1"}]}],
                }
            ],
        }
    )
    assert advisory.affected[0].ranges[0].type == "CALVER"


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("missing-id.json", r"no 'id'"),
        ("missing-affected.json", r"GHSA-aaaa-bbbb-cccc: no 'affected' list"),
        (
            "bad-event.json",
            r"events\[0\]: an event takes exactly one of .* \(introduced and fixed\)",
        ),
        ("truncated.json", r"malformed OSV JSON .* truncated"),
    ],
)
def test_malformed_fixtures(fixture: str, reason: str) -> None:
    with pytest.raises(OsvError, match=reason):
        parse(fixture)


def _with_range(rng: object) -> dict[str, object]:
    return {
        "id": "X-9",
        "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [rng]}],
    }


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], r"not a JSON object"),
        ({"id": ""}, r"no 'id'"),
        ({"id": "X-9", "affected": [{"package": {"name": "a"}}]}, r"no 'ecosystem'"),
        ({"id": "X-9", "affected": [{"package": {"ecosystem": "npm"}}]}, r"no 'name'"),
        ({"id": "X-9", "affected": ["npm"]}, r"affected\[0\] is not an object"),
        ({"id": "X-9", "aliases": "CVE-1", "affected": []}, r"'aliases' is not a list"),
        (_with_range({"events": [{"introduced": "0"}]}), r"no 'type'"),
        (_with_range({"type": "SEMVER", "events": []}), r"no 'events'"),
        (_with_range({"type": "SEMVER", "events": [{"fixed": "1.0"}]}), r"no 'introduced'"),
        (_with_range({"type": "SEMVER", "events": [{"introduced": 1}]}), r"not a version"),
        (_with_range({"type": "SEMVER", "events": [{"fixd": "1"}]}), r"exactly one of .*\(none\)"),
        (_with_range({"type": "GIT", "events": [{"introduced": "0"}]}), r"GIT range without"),
    ],
)
def test_malformed_records(document: object, reason: str) -> None:
    with pytest.raises(OsvError, match=reason):
        advisory_from_json(document)
    with pytest.raises(OsvError, match=reason):
        advisory_from_json(osv_document(json.dumps(document)))


def test_osv_error_is_a_value_error() -> None:
    assert issubclass(OsvError, ValueError)
