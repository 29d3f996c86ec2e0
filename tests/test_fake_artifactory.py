"""The fake Artifactory refuses what Artifactory refuses (tests/support/artifactoryserver.py), and
cipipe's REST store never gets a refusal from it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
from cipipe.contracts.build_info import BuildInfo
from cipipe.logs import SecretMasker
from cipipe.steps.build_info.jfrog import jfrog_build_info
from tests.steps.publish.conftest import make_workdir
from tests.support.artifactoryserver import FakeArtifactory, serve

STARTED = "2026-01-02T10:00:00.000+0000"
BUILD = {"version": "1.0.1", "name": "svc", "number": "1", "started": STARTED, "modules": []}


@pytest.fixture
def fake() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory()) as server:
        server.put_file("candidates", "svc/1/app.bin", b"payload", state="candidate")
        yield server


def call(fake: FakeArtifactory, method: str, path: str, **options: Any) -> requests.Response:
    return requests.request(method, f"{fake.url}/{path}", timeout=10, **options)


def message(answer: requests.Response) -> str:
    errors = answer.json()["errors"]
    assert errors[0]["status"] == answer.status_code
    return str(errors[0]["message"])


def test_an_unknown_api_path_is_404(fake: FakeArtifactory) -> None:
    for path in ("api/nothing", "api/storage", "api/storage/", "api"):
        answer = call(fake, "GET", path)
        assert answer.status_code == 404 and message(answer) == "Not Found", path
    assert [s.path for s in fake.refused] == ["api/nothing", "api/storage", "api/storage/", "api"]


def test_an_api_the_fake_leaves_out_is_501_not_a_made_up_answer(fake: FakeArtifactory) -> None:
    answer = call(fake, "GET", "api/build/svc/1")
    assert answer.status_code == 501 and "not implemented by the fake" in message(answer)
    storage = call(fake, "GET", "api/storage/candidates/svc/1/app.bin?stats")
    assert storage.status_code == 501


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "candidates/svc/1/app.bin", "DELETE, GET, HEAD, PUT"),
        ("PATCH", "candidates/svc/1/app.bin", "DELETE, GET, HEAD, PUT"),
        ("GET", "api/search/aql", "POST"),
        ("POST", "api/build", "PUT"),
        ("POST", "api/storage/candidates/svc/1/app.bin", "DELETE, GET, PUT"),
    ],
)
def test_a_known_path_with_another_method_is_405(
    fake: FakeArtifactory, method: str, path: str, allow: str
) -> None:
    answer = call(fake, method, path, data=b"x")
    assert answer.status_code == 405 and message(answer) == "Method Not Allowed"
    assert answer.headers["Allow"] == allow
    assert [(s.method, s.kind) for s in fake.refused] == [(method, "refused")]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "text"),
    [
        (json.dumps(BUILD), "text/plain", 415, "application/json"),
        ("{not json", "application/json", 400, "not JSON"),
        ("[]", "application/json", 400, "not a JSON object"),
        (json.dumps({**BUILD, "name": ""}), "application/json", 400, "missing its name"),
        (json.dumps({**BUILD, "number": 1}), "application/json", 400, "missing its number"),
        (json.dumps({k: v for k, v in BUILD.items() if k != "started"}), "application/json",
         400, "missing its started"),
        (json.dumps({**BUILD, "started": "2026-01-02T10:00:00Z"}), "application/json", 400,
         "yyyy-MM-dd'T'HH:mm:ss.SSSZ"),
    ],
)  # fmt: skip
def test_a_build_info_artifactory_cannot_take_is_refused(
    fake: FakeArtifactory, body: str, content_type: str, status: int, text: str
) -> None:
    answer = call(fake, "PUT", "api/build", data=body, headers={"Content-Type": content_type})
    assert answer.status_code == status and text in message(answer)
    assert fake.builds == []
    good = call(fake, "PUT", "api/build", json=BUILD)
    assert good.status_code == 204 and fake.builds == [BUILD]


def test_aql_must_be_text_plain(fake: FakeArtifactory) -> None:
    query = 'items.find({"repo": "candidates"}).include("name")'
    as_json = call(fake, "POST", "api/search/aql", data=query, headers={"Content-Type": "x/json"})
    assert as_json.status_code == 415
    plain = call(fake, "POST", "api/search/aql", data=query, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 200 and plain.json()["range"]["total"] == 1


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("", "properties parameter is required"),
        ("?properties=", "No properties given"),
        ("?properties=bad%20key=1", "forbidden character"),
        ("?properties=a%2Fb=1", "forbidden character"),
        ("?properties=ok=1&recursive=2", "recursive is 0 or 1"),
    ],
)
def test_setting_properties_is_checked(fake: FakeArtifactory, query: str, text: str) -> None:
    answer = call(fake, "PUT", f"api/storage/candidates/svc/1/app.bin{query}")
    assert answer.status_code == 400 and text in message(answer)
    assert fake.items[("candidates", "svc/1/app.bin")].properties == {"state": ["candidate"]}


def test_properties_are_read_filtered_and_deleted(fake: FakeArtifactory) -> None:
    item = "api/storage/candidates/svc/1/app.bin"
    assert call(fake, "PUT", f"{item}?properties=a=1;b=2&recursive=0").status_code == 204
    some = call(fake, "GET", f"{item}?properties=a,zz").json()["properties"]
    assert some == {"a": ["1"]}
    assert call(fake, "GET", f"{item}?properties=zz").status_code == 404
    assert call(fake, "DELETE", f"{item}?properties=a,state").status_code == 204
    assert call(fake, "GET", f"{item}?properties").json()["properties"] == {"b": ["2"]}
    assert call(fake, "DELETE", item).status_code == 400  # Delete Item Properties needs names


def test_head_download_and_delete_of_an_item(fake: FakeArtifactory) -> None:
    head = call(fake, "HEAD", "candidates/svc/1/app.bin")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == "7"
    assert head.headers["X-Checksum-Sha256"] == hashlib.sha256(b"payload").hexdigest()
    assert call(fake, "GET", "candidates/svc/1/app.bin").content == b"payload"
    assert call(fake, "DELETE", "candidates/svc/1/app.bin").status_code == 204
    assert call(fake, "GET", "candidates/svc/1/app.bin").status_code == 404
    assert call(fake, "HEAD", "candidates/svc/1/app.bin").status_code == 404


def test_a_checksum_deploy_needs_a_checksum(fake: FakeArtifactory) -> None:
    answer = call(fake, "PUT", "candidates/svc/2/app.bin", headers={"X-Checksum-Deploy": "true"})
    assert answer.status_code == 400 and "X-Checksum-Sha256" in message(answer)
    assert ("candidates", "svc/2/app.bin") not in fake.items


def test_cipipe_speaks_only_what_artifactory_accepts(fake: FakeArtifactory, tmp_path: Path) -> None:
    """Every call of the REST store, and not one request the real server would refuse."""
    store = ArtifactoryRestStore(fake.url, max_attempts=1)
    path = tmp_path / "big.bin"
    path.write_bytes(b"z" * 20_000)
    data = path.read_bytes()
    local = LocalFile(
        path,
        len(data),
        hashlib.sha256(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
    )
    store.upload(local, "svc/2/linux/big.bin", {"build.name": "svc", "state": "uploading"})
    store.set_properties("svc/2/linux/big.bin", {"state": "candidate", "note": "a;b=c,d|e"})
    assert store.stat("svc/2/linux/big.bin") is not None
    assert store.stat("svc/2/none") is None
    assert [f.path for f in store.search({"state": "candidate"}, "svc/2")] == [
        "svc/2/linux/big.bin"
    ]
    store.download("svc/2/linux/big.bin", tmp_path / "back.bin")
    info = make_workdir(tmp_path / "work").read(BuildInfo)
    document = jfrog_build_info(
        info, duration=timedelta(minutes=3), env={}, masker=SecretMasker({}), message="Fix"
    )
    store.publish_build_info(document)  # what `cipipe build-info` writes for publish to send
    assert fake.builds == [document]
    kinds = set(fake.kinds())
    assert kinds == {"checksum_deploy", "deploy", "storage", "set_properties", "aql", "download",
                     "build"}  # fmt: skip
    assert fake.refused == []
