from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cipipe.steps.scan.dump import json_files, load_osv_directory, scan_keys
from cipipe.steps.scan.index import AdvisoryIndex, Component
from tests.conftest import DATA

OSV = DATA / "osv"
COMPONENTS = [
    Component("pkg:npm/elliptic@6.5.3", None, "", ""),
    Component("pkg:pypi/pikepdf@2.9.1", None, "", ""),
    Component("pkg:cargo/http@0.1.0", None, "", ""),
    Component("pkg:deb/debian/nginx@1.2.1-1?distro=debian-7", None, "", ""),
    Component("pkg:generic/lwip@2.1.2", None, "", ""),
    Component("pkg:golang/github.com/acme/rpc@v1.3.0", None, "", ""),
    Component(None, "npm", "elliptic", "latest"),
]


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """The OSV fixtures in a nested tree like an unpacked dump, plus a file that is not JSON."""
    root = tmp_path / "osv"
    for n, path in enumerate(sorted(OSV.glob("*.json"))):
        target = root / ("npm", "PyPI", "other")[n % 3] / "2024" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    (root / "README.md").write_text("not an advisory")
    return root


def summary(index: AdvisoryIndex) -> list[tuple[str, str, str | None]]:
    return [
        (m.advisory.id, m.status, Path(m.source).name if m.source else None)
        for c in COMPONENTS
        for m in index.match(c)
    ]


def test_loading_a_dump_matches_like_decoded_documents(dump: Path) -> None:
    loaded = load_osv_directory(dump)
    decoded = AdvisoryIndex()
    for path in json_files(dump):
        try:
            decoded.add(json.loads(Path(path).read_bytes()), path)
        except ValueError:
            continue
    assert summary(loaded) == summary(decoded)
    assert [m[0] for m in summary(loaded)] == [
        "GHSA-q7c5-h5vx-2wqh",
        "PYSEC-2021-0420",
        "RUSTSEC-2019-0033",
        "DSA-3029-1",
        "CVE-2020-22283",
        "GHSA-9w8r-397f-prfh",
        "GHSA-q7c5-h5vx-2wqh",
    ]
    assert len(loaded) == len(decoded) == 8  # of 11: truncated, withdrawn and no id left out
    assert loaded.withdrawn == 1


def test_unreadable_files_are_warnings_naming_them(dump: Path) -> None:
    index = load_osv_directory(dump)
    assert len(index.warnings) == 2
    truncated, missing_id = sorted(index.warnings, key=lambda w: "truncated" not in w)
    assert "truncated.json: malformed OSV JSON" in truncated
    assert "missing-id.json: not an OSV advisory: no 'id'" in missing_id


def test_files_are_read_again_only_for_candidates(dump: Path) -> None:
    index = load_osv_directory(dump)
    (next(dump.rglob("GHSA-q7c5-h5vx-2wqh.json"))).write_text("{")  # changed after loading
    assert index.match(Component(None, "crates.io", "http", "0.1.0"))  # other files still fine
    assert index.match(Component(None, "npm", "elliptic", "1.0.0")) == []
    assert index.warnings[-1].endswith(
        "cannot read the advisory: Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1)"
    )


@pytest.mark.parametrize("path", sorted(OSV.glob("*.json")), ids=lambda p: p.name)
def test_scanned_keys_cover_the_decoded_ones(path: Path) -> None:
    data = path.read_bytes()
    keys = scan_keys(data)
    if keys is None:
        return  # decoded for real instead
    document = json.loads(data)
    advisory_id, modified, names, purls, repos = keys
    assert advisory_id == document["id"]
    assert modified == document.get("modified")
    for entry in document.get("affected", []):
        package = entry.get("package", {})
        assert package.get("name", names[0] if names else None) in names or not package
        assert package.get("purl") is None or package["purl"] in purls
        assert all(r["repo"] in repos for r in entry.get("ranges", []) if "repo" in r)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"id": "A", "withdrawn": "2024-01-01T00:00:00Z", "affected": []}', "withdrawn"),
        ('{"id": "A", "database_specific": {"id": 7}, "affected": []}', "a nested id"),
        ('{"id": "A", "affected": [', "truncated"),
        ('{"affected": []}', "no id"),
        ('{"id": "A", "modified": "1", "x": {"modified": "2"}}', "two modified"),
        ('{"id": "A", "affected": [{"package": {"name": "\xff"}}]}', "not UTF-8"),
    ],
)
def test_scan_keys_defers_to_json_when_unsure(text: str, why: str) -> None:
    assert scan_keys(text.encode("latin-1")) is None, why


def test_scan_keys_decodes_escapes() -> None:
    text = (
        '{"id":"GO-1","modified" : "2024-01-01T00:00:00Z","affected":[{"package":'
        '{"ecosystem":"Go","name":"github.com\\/acme\\/caf\\u00e9"},"ranges":[{"type":"GIT",'
        '"repo":"https://github.com/acme/caf\\u00e9","events":[{"introduced":"0"}]}]}],'
        '"credits":[{"name":"Zo\\u00eb"}]}\n'
    )
    assert scan_keys(text.encode()) == (
        "GO-1",
        "2024-01-01T00:00:00Z",
        ["github.com/acme/café", "Zoë"],
        [],
        ["https://github.com/acme/café"],
    )
