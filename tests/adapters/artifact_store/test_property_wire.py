"""Property values with every separator round-trip as the real peers read them.

Upload (deploy matrix parameters), read back (file properties), search (AQL or ``jf rt
search``) and set properties afterwards, through the loopback Artifactory, which decodes
matrix parameters and ``properties=`` as Artifactory does, and through the fake jf, which
parses and re-encodes as jfrog-client-go does before "Artifactory" stores the result. A value
sent with the wrong escaping comes back different, so these tests fail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile, StorePathError
from cipipe.adapters.artifact_store.jf import JfCliStore
from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
from tests.adapters.artifact_store.helpers import local_file
from tests.support.artifactory_api import PropertyListError, parse_matrix_params, parse_properties
from tests.support.artifactoryserver import FakeArtifactory, serve

# One value per troublesome character, and one with all of them.
VALUES = {
    "p.comma": "a,b",
    "p.pipe": "a|b",
    "p.equals": "a=b",
    "p.semicolon": "a;b",
    "p.backslash": "a\\b",
    "p.escaped": "test\\,value",
    "p.percent": "100%25 %",
    "p.space": "two words",
    "p.plus": "a+b",
    "p.unicode": "Zürich ✓ 日本",
    "p.all": ", | = ; \\ % ü+",
}
# What `jf rt set-props` can carry: it escapes only ',' on its way to Set Item Properties.
JF_SET_PROPS_VALUES = {k: v for k, v in VALUES.items() if not any(c in v for c in ";|=\\")}


def local(tmp_path: Path, data: bytes) -> LocalFile:
    path = tmp_path / hashlib.sha256(data).hexdigest()[:8]
    path.write_bytes(data)
    return LocalFile(
        path,
        len(data),
        hashlib.sha256(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
    )


@pytest.fixture
def artifactory() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory()) as server:
        yield server


def as_read(values: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {k: (v,) for k, v in values.items()}


@pytest.mark.parametrize("size", [10, 20_000], ids=["deploy", "checksum-deploy-then-deploy"])
def test_rest_upload_read_search_round_trip(
    artifactory: FakeArtifactory, tmp_path: Path, size: int
) -> None:
    store = ArtifactoryRestStore(artifactory.url, max_attempts=1)
    store.upload(local(tmp_path, b"x" * size), "svc/1/app.bin", VALUES)
    assert artifactory.refused == []
    stored = store.stat("svc/1/app.bin")
    assert stored is not None and stored.properties == as_read(VALUES)
    for key, value in VALUES.items():
        assert [f.path for f in store.search({key: value}, "svc/1")] == ["svc/1/app.bin"], key


def test_rest_set_properties_round_trip(artifactory: FakeArtifactory, tmp_path: Path) -> None:
    store = ArtifactoryRestStore(artifactory.url, max_attempts=1)
    store.upload(local(tmp_path, b"y"), "svc/1/app.bin", {"state": "uploading"})
    renamed = {f"set.{k}": v for k, v in VALUES.items()}
    store.set_properties("svc/1/app.bin", {"state": "candidate", **renamed})
    assert artifactory.refused == []
    stored = store.stat("svc/1/app.bin")
    assert stored is not None
    assert stored.properties == as_read({"state": "candidate", **renamed})
    assert [f.path for f in store.search(renamed, "svc")] == ["svc/1/app.bin"]


def test_the_fake_reads_matrix_params_as_artifactory_does() -> None:
    """A backslash in a matrix parameter is stored, not an escape (jfrog/jfrog-cli#786);
    values are URL-decoded as Java's URLDecoder does; a repeated key adds a value."""
    assert parse_matrix_params("demo=test%5C%2Cvalue") == {"demo": ["test\\,value"]}
    assert parse_matrix_params("k=a+b%2B;k=%C3%BC;k=a+b%2B;flag;=x") == {
        "k": ["a b+", "ü"],
        "flag": [""],
    }
    with pytest.raises(PropertyListError):
        parse_matrix_params("k=100%")


def test_the_fake_reads_set_properties_as_artifactory_does() -> None:
    assert parse_properties("a=1\\,2,3|b=x\\=y;c=\\;\\\\") == {
        "a": ["1,2", "3"],
        "b": ["x=y"],
        "c": [";\\"],
    }
    with pytest.raises(PropertyListError, match="cannot be empty"):
        parse_properties("prop1=a=1")  # jfrog/jfrog-cli#2215


@pytest.mark.usefixtures("fake_jf")
def test_jf_upload_read_search_round_trip(tmp_path: Path) -> None:
    store = JfCliStore("candidates")
    store.upload(local_file(tmp_path / "app.bin", b"jf"), "svc/1/app.bin", VALUES)
    stored = store.stat("svc/1/app.bin")
    assert stored is not None and stored.properties == as_read(VALUES)
    for key, value in VALUES.items():
        assert [f.path for f in store.search({key: value}, "svc/1/")] == ["svc/1/app.bin"], key


@pytest.mark.usefixtures("fake_jf")
def test_jf_set_props_round_trip_and_refusals(tmp_path: Path) -> None:
    store = JfCliStore("candidates")
    store.upload(local_file(tmp_path / "app.bin", b"jf"), "svc/1/app.bin", {"state": "up"})
    store.set_properties("svc/1/app.bin", JF_SET_PROPS_VALUES)
    stored = store.stat("svc/1/app.bin")
    assert stored is not None
    assert stored.properties == as_read({"state": "up", **JF_SET_PROPS_VALUES})
    for key in sorted(set(VALUES) - set(JF_SET_PROPS_VALUES)):
        with pytest.raises(StorePathError, match="set-props"):
            store.set_properties("svc/1/app.bin", {key: VALUES[key]})
