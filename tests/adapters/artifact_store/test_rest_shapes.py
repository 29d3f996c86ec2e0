"""The exact requests ArtifactoryRestStore sends, recorded with ``responses``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import requests
import responses

from cipipe.adapters.artifact_store.interface import LocalFile, StoreError
from cipipe.adapters.artifact_store.rest import (
    ArtifactoryRestStore,
    encode_matrix_params,
    encode_properties,
)
from cipipe.adapters.artifact_store.rest_http import escape_property
from cipipe.adapters.http import HeaderAuth
from tests.support.sleeps import Sleeps

BASE = "https://art.example.com/artifactory"
TOKEN = "art-Token-0123456789abcdef"
SIZE = 16 * 1024


@pytest.fixture
def store(sleeps: Sleeps) -> ArtifactoryRestStore:
    auth = HeaderAuth("X-JFrog-Art-Api", TOKEN)
    return ArtifactoryRestStore(BASE, auth=auth, max_attempts=3, sleep=sleeps)


@pytest.fixture
def big(tmp_path: Path) -> LocalFile:
    data = b"b" * SIZE
    path = tmp_path / "app.tar.gz"
    path.write_bytes(data)
    return LocalFile(
        path,
        SIZE,
        hashlib.sha256(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
    )


def storage_info(file: LocalFile) -> dict[str, object]:
    return {"size": str(file.size), "checksums": {"sha256": file.sha256, "sha1": file.sha1}}


def test_set_properties_escaping_follows_artifactory() -> None:
    """Set Item Properties: the separators backslash-escaped, then percent-encoded."""
    assert escape_property("a;b,c=d|e\\f") == "a\\;b\\,c\\=d\\|e\\\\f"
    assert encode_properties({"z": "1", "note": "a;b,c=d|e\\f g%ü"}) == (
        "note=a%5C;b%5C%2Cc%5C=d%5C%7Ce%5C%5Cf%20g%25%C3%BC;z=1"
    )


def test_matrix_params_are_percent_encoded_without_backslashes() -> None:
    """Deploy: what jfrog-client-go's ToEncodedString(false) sends, no backslash escape."""
    assert encode_matrix_params({"z": "1", "note": "a;b,c=d|e\\f g%ü+"}) == (
        "note=a%3Bb%2Cc%3Dd%7Ce%5Cf%20g%25%C3%BC%2B;z=1"
    )


@responses.activate
def test_checksum_deploy_then_full_deploy_shapes(
    store: ArtifactoryRestStore, big: LocalFile
) -> None:
    deploy = re.compile(re.escape(f"{BASE}/candidates/svc/1/app.tar.gz;") + ".*")
    responses.put(deploy, status=404, json={"errors": [{"status": 404, "message": "no"}]})
    responses.put(deploy, status=201, json={})
    responses.get(f"{BASE}/api/storage/candidates/svc/1/app.tar.gz", json=storage_info(big))
    result = store.upload(big, "svc/1/app.tar.gz", {"build.number": "7", "note": "x=y"})
    assert result.bytes_sent == SIZE
    first, second, verify = (c.request for c in responses.calls)
    matrix = ";build.number=7;note=x%3Dy"
    assert first.url == f"{BASE}/candidates/svc/1/app.tar.gz{matrix}"
    assert first.headers["X-Checksum-Deploy"] == "true"
    assert first.headers["X-Checksum-Sha1"] == big.sha1
    assert first.headers["X-Checksum-Sha256"] == big.sha256
    assert first.headers["X-JFrog-Art-Api"] == TOKEN
    assert not first.body
    assert second.url == first.url
    assert "X-Checksum-Deploy" not in second.headers
    assert second.headers["X-Checksum-Md5"] == big.md5
    assert second.headers["Content-Length"] == str(SIZE)
    assert verify.method == "GET"


@responses.activate
def test_checksum_deploy_hit_sends_no_body(store: ArtifactoryRestStore, big: LocalFile) -> None:
    responses.put(f"{BASE}/candidates/svc/1/app.tar.gz", status=201, json={})
    responses.get(f"{BASE}/api/storage/candidates/svc/1/app.tar.gz", json=storage_info(big))
    result = store.upload(big, "svc/1/app.tar.gz", {})
    assert (result.skipped_by_checksum, result.bytes_sent, result.attempts) == (True, 0, 1)
    assert len(responses.calls) == 2


@responses.activate
def test_set_properties_shape(store: ArtifactoryRestStore) -> None:
    responses.put(
        re.compile(re.escape(f"{BASE}/api/storage/candidates/svc/1/f") + r"\?.*"), status=204
    )
    store.set_properties("svc/1/f", {"b": "x=y", "a": "1"})
    url = responses.calls[0].request.url
    assert url == f"{BASE}/api/storage/candidates/svc/1/f?properties=a=1;b=x%5C=y&recursive=0"


@responses.activate
def test_aql_body_and_parsing(store: ArtifactoryRestStore) -> None:
    row = {"repo": "candidates", "path": "svc/1/linux", "name": "a", "size": 3, "sha256": "ab"}
    props = [{"key": "ok", "value": "y"}]
    outside = {**row, "path": "svc/10", "properties": props}
    responses.post(
        f"{BASE}/api/search/aql", json={"results": [{**row, "properties": props}, outside]}
    )
    found = store.search({"ok": "y", "build.number": "7"}, "svc/1/")
    request = responses.calls[0].request
    assert request.headers["Content-Type"] == "text/plain"
    assert request.body == (
        b'items.find({"repo": "candidates", "path": {"$match": "svc/1*"}, '
        b'"@build.number": "7", "@ok": "y"})'
        b'.include("repo","path","name","size","sha256","property")'
    )
    assert [(f.path, f.size, dict(f.properties)) for f in found] == [
        ("svc/1/linux/a", 3, {"ok": ("y",)})
    ]


@responses.activate
def test_build_info_shape(store: ArtifactoryRestStore) -> None:
    responses.put(f"{BASE}/api/build", status=204)
    store.publish_build_info({"name": "svc", "number": "1"})
    request = responses.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body or b"") == {"name": "svc", "number": "1"}


@responses.activate
def test_redirects_are_not_followed(store: ArtifactoryRestStore) -> None:
    responses.put(
        f"{BASE}/api/build", status=302, headers={"Location": "https://u:p@cdn.example/x"}
    )
    with pytest.raises(StoreError, match=r"redirected \(HTTP 302\) to https://cdn.example/x"):
        store.publish_build_info({})
    assert len(responses.calls) == 1


@responses.activate
def test_connection_errors_and_retry_after(store: ArtifactoryRestStore, sleeps: Sleeps) -> None:
    responses.put(f"{BASE}/api/build", body=requests.ConnectionError("refused"))
    responses.put(f"{BASE}/api/build", status=429, headers={"Retry-After": "4"})
    responses.put(f"{BASE}/api/build", status=204)
    store.publish_build_info({})
    assert len(responses.calls) == 3
    assert 0.5 <= sleeps[0] <= 1.0
    assert sleeps[1] == 4.0


@responses.activate
def test_download_checks_the_sha256_header(store: ArtifactoryRestStore, tmp_path: Path) -> None:
    responses.get(f"{BASE}/candidates/svc/f", body=b"data", headers={"X-Checksum-Sha256": "00"})
    target = tmp_path / "f"
    with pytest.raises(StoreError, match="fail sha256"):
        store.download("svc/f", target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@responses.activate
def test_stat_reads_file_info_then_properties(store: ArtifactoryRestStore, big: LocalFile) -> None:
    info = f"{BASE}/api/storage/candidates/svc/a%20b"
    responses.get(info, json=storage_info(big), match=[responses.matchers.query_string_matcher("")])
    responses.get(info, status=404, json={"errors": [{"status": 404, "message": "none"}]})
    stored = store.stat("svc/a b")
    assert stored is not None
    assert (stored.size, stored.sha256, stored.md5, dict(stored.properties)) == (
        SIZE,
        big.sha256,
        None,
        {},
    )
    assert [c.request.url for c in responses.calls] == [info, f"{info}?properties"]
