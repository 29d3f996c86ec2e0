from __future__ import annotations

import json

import pytest

from cipipe.steps.scan.index import AdvisoryIndex, Component, Match
from tests.conftest import DATA

OSV = DATA / "osv"
PIKEPDF_FIX = "3f38f73218e5e782fe411ccbb3b44a793c0b343a"
LWIP_FIX = "8fe567b61c8ae07a5dd7df52a6a9e23ed5c4c0f6"
HEAD = "0123456789abcdef0123456789abcdef01234567"


def document(
    advisory_id: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]],
    *,
    modified: str = "2024-01-01T00:00:00Z",
) -> dict[str, object]:
    return {
        "id": advisory_id,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }


FROM_ZERO = [{"introduced": "0"}, {"fixed": "2.0.0"}]


@pytest.fixture
def index() -> AdvisoryIndex:
    built = AdvisoryIndex()
    for path in sorted(OSV.glob("*.json")):
        if path.name not in ("truncated.json", "missing-id.json"):
            built.add(json.loads(path.read_bytes()), str(path))
    built.add(document("PYSEC-2024-1", "PyPI", "python-multipart", FROM_ZERO))
    built.add(document("GHSA-npm-zlib", "npm", "zlib", FROM_ZERO))
    built.add(document("GHSA-npm-case", "npm", "JSONStream", FROM_ZERO))
    built.add(document("RUSTSEC-2024-1", "crates.io", "serde_json", FROM_ZERO))
    built.add(document("GHSA-maven", "Maven", "org.apache.logging.log4j:log4j-core", FROM_ZERO))
    built.add(document("GO-2024-1", "Go", "github.com/acme/rpc", FROM_ZERO))
    return built


def ids(matches: list[Match]) -> list[str]:
    return [m.advisory.id for m in matches]


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (Component("pkg:npm/elliptic@6.5.3", None, "", ""), ["GHSA-q7c5-h5vx-2wqh"]),
        (Component("pkg:npm/elliptic@6.5.4", None, "", ""), []),
        (Component(None, "npm", "elliptic", "6.0.0"), ["GHSA-q7c5-h5vx-2wqh"]),
        (Component(None, "PyPI", "elliptic", "6.0.0"), []),
        (Component("pkg:generic/elliptic@6.0.0", None, "", ""), []),
        (Component("pkg:pypi/pikepdf@2.9.1", None, "pikepdf", "2.9.1"), ["PYSEC-2021-0420"]),
        (Component("pkg:pypi/pikepdf@2.10.0", None, "pikepdf", "2.10.0"), []),
        (Component("pkg:cargo/http@0.1.19", None, "", ""), ["RUSTSEC-2019-0033"]),
        (
            Component("pkg:maven/org.apache.logging.log4j/log4j-core@1.2.17", None, "", ""),
            ["GHSA-maven"],
        ),
        (
            Component("pkg:golang/github.com/acme/rpc@v1.3.0", None, "", ""),
            ["GHSA-9w8r-397f-prfh", "GO-2024-1"],
        ),
        (Component("pkg:golang/github.com/acme/rpc@v1.4.1", None, "", ""), ["GO-2024-1"]),
    ],
)
def test_match_by_purl_or_ecosystem_and_name(
    index: AdvisoryIndex, component: Component, expected: list[str]
) -> None:
    matches = index.match(component)
    assert ids(matches) == expected
    assert all(m.status == "affected" and m.component is component for m in matches)


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (Component(None, "PyPI", "Python_Multipart", "1.0"), ["PYSEC-2024-1"]),
        (Component(None, "pypi", "python.multipart", "1.0"), ["PYSEC-2024-1"]),
        (Component("pkg:pypi/Python--Multipart@1.0", None, "", ""), ["PYSEC-2024-1"]),
        (Component(None, "npm", "python-multipart", "1.0"), []),
        (Component(None, "crates.io", "serde-json", "1.0.0"), ["RUSTSEC-2024-1"]),
        (Component(None, "npm", "JSONStream", "1.0.0"), ["GHSA-npm-case"]),
        (Component(None, "npm", "jsonstream", "1.0.0"), []),  # npm names are case-sensitive
        (Component(None, "PyPI", "zlib", "1.0"), []),  # npm's zlib is another package
        (Component("pkg:generic/zlib@1.2.11", None, "", ""), []),
    ],
)
def test_name_normalisation_per_ecosystem(
    index: AdvisoryIndex, component: Component, expected: list[str]
) -> None:
    assert ids(index.match(component)) == expected


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        ("pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?arch=source&distro=debian-7", ["DSA-3029-1"]),
        ("pkg:deb/debian/nginx@1.2.1-2.2+wheezy3?distro=debian-7", []),
        ("pkg:deb/debian/nginx@1.2.1-1?distro=debian-12", []),  # another release's advisory
        ("pkg:deb/debian/nginx@1.2.1-1", ["DSA-3029-1"]),  # no release: every release counts
        ("pkg:deb/ubuntu/nginx@1.2.1-1", []),
    ],
)
def test_debian_releases(index: AdvisoryIndex, purl: str, expected: list[str]) -> None:
    assert ids(index.match(Component(purl, None, "", ""))) == expected


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (Component("pkg:generic/lwip@2.1.2", None, "", ""), ["CVE-2020-22283"]),
        (Component("pkg:generic/lwIP@STABLE-2_0_0_RELEASE", None, "", ""), ["CVE-2020-22283"]),
        (Component("pkg:generic/lwip@2.1.3", None, "", ""), []),
        (Component(None, None, "lwip", "v2.1.2"), ["CVE-2020-22283"]),
        (Component(None, "ConanCenter", "lwip", "2.1.2"), []),  # a package ecosystem: no GIT names
    ],
)
def test_generic_components_match_repository_only_entries_by_name(
    index: AdvisoryIndex, component: Component, expected: list[str]
) -> None:
    assert ids(index.match(component)) == expected


def test_withdrawn_advisories_do_not_match(index: AdvisoryIndex) -> None:
    # OSV-2023-0001 (withdrawn) says every lwip commit is affected.
    assert index.withdrawn == 1
    assert "OSV-2023-0001" not in ids(index.match(Component("pkg:generic/lwip@9.9", None, "", "")))


def test_git_range_on_the_component_repository() -> None:
    index = AdvisoryIndex()
    index.add(json.loads((OSV / "PYSEC-2021-0420.json").read_bytes()), "PYSEC-2021-0420.json")
    component = Component(f"pkg:github/pikepdf/pikepdf@{HEAD}", None, "", "")
    before_fix = index.match(component, git_is_ancestor=lambda a, d: a == d)
    assert [(m.advisory.id, m.status) for m in before_fix] == [("PYSEC-2021-0420", "affected")]
    # Only the GIT range applies: the PyPI range's versions are not the component's.
    assert [r.type for r in before_fix[0].affected.ranges] == ["GIT", "ECOSYSTEM"]
    after_fix = index.match(component, git_is_ancestor=lambda a, d: a in (d, PIKEPDF_FIX))
    assert after_fix == []
    [undecided] = index.match(component)
    assert undecided.status == "undecided"
    assert undecided.reason is not None and "needs the repository's history" in undecided.reason


def test_vcs_url_qualifier_names_repository_and_commit(index: AdvisoryIndex) -> None:
    vcs = f"git%2Bhttps://git.savannah.nongnu.org/git/lwip.git%40{HEAD}"
    component = Component(f"pkg:generic/lwip@2.1.3?vcs_url={vcs}", None, "", "")
    asked: list[tuple[str, str]] = []

    def is_ancestor(ancestor: str, descendant: str) -> bool:
        asked.append((ancestor, descendant))
        return False

    assert ids(index.match(component, git_is_ancestor=is_ancestor)) == ["CVE-2020-22283"]
    assert asked == [(LWIP_FIX, HEAD)]


def test_malformed_candidates_are_warnings_and_others_cost_nothing() -> None:
    index = AdvisoryIndex()
    index.add(json.loads((OSV / "bad-event.json").read_bytes()), "osv/bad-event.json")
    index.add(document("GHSA-other", "npm", "left-pad", [{"fixd": "1"}]), "osv/other.json")
    index.add(["not", "an", "advisory"], "osv/list.json")
    assert index.warnings == ["osv/list.json: not an OSV advisory: no 'id'"]
    assert index.match(Component(None, "PyPI", "requests", "1.0.1")) == []
    assert index.match(Component(None, "PyPI", "requests", "1.0.1")) == []
    assert len(index.warnings) == 2
    assert index.warnings[1].startswith("osv/bad-event.json: GHSA-dddd-eeee-ffff: affected[0]")


def test_undecided_version(index: AdvisoryIndex) -> None:
    [match] = index.match(Component(None, "npm", "elliptic", "latest"))
    assert match.status == "undecided"
    assert match.reason == "version 'latest' is not a valid npm version"
    assert match.source is not None and match.source.endswith("GHSA-q7c5-h5vx-2wqh.json")


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_later_withdrawal_hides_the_older_copy(order: tuple[int, int]) -> None:
    old = document("GHSA-dup", "npm", "a", FROM_ZERO)
    withdrawn = {**old, "modified": "2024-06-01T00:00:00Z", "withdrawn": "2024-06-01T00:00:00Z"}
    index = AdvisoryIndex()
    for i in order:
        index.add((old, withdrawn)[i], f"file{i}")
    assert (len(index), index.withdrawn) == (0, 1)
    assert index.match(Component(None, "npm", "a", "1.0.0")) == []


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_later_modified_wins_whatever_the_order(order: tuple[int, int]) -> None:
    old = document("GHSA-dup", "npm", "a", [{"introduced": "0"}, {"fixed": "1.0.0"}])
    new = document(
        "GHSA-dup",
        "npm",
        "a",
        [{"introduced": "0"}, {"fixed": "2.0.0"}],
        modified="2024-06-01T00:00:00Z",
    )
    index = AdvisoryIndex()
    for i in order:
        index.add((old, new)[i], f"file{i}")
    assert len(index) == 1
    [match] = index.match(Component(None, "npm", "a", "1.5.0"))
    assert match.source == "file1"


def test_one_match_per_advisory_affected_entry_first() -> None:
    index = AdvisoryIndex()
    index.add(
        {
            "id": "GHSA-two",
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": "a"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "x"}]}],
                },
                {
                    "package": {"ecosystem": "npm", "name": "a"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}],
                },
            ],
        }
    )
    [match] = index.match(Component(None, "npm", "a", "1.2.0"))
    assert match.status == "affected" and match.affected.ranges[0].events[0].value == "1.0.0"
    [match] = index.match(Component(None, "npm", "a", "0.5.0"))
    assert match.status == "undecided"


def test_matching_cost_follows_the_package_not_the_database() -> None:
    index = AdvisoryIndex()
    for n in range(2000):
        index.add(document(f"GHSA-{n}", "npm", f"pkg{n}", FROM_ZERO))
    index.add(document("GHSA-target", "npm", "target", FROM_ZERO))
    assert ids(index.match(Component(None, "npm", "target", "1.0.0"))) == ["GHSA-target"]
    assert index.decoded == 1  # only the one candidate was decoded
