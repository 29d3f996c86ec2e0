"""ArtifactoryRestStore against a fake Artifactory on 127.0.0.1: real HTTP, real faults."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile, StoreError, StorePathError
from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore, auth_from_env
from cipipe.adapters.http import HeaderAuth
from cipipe.errors import ExitCode, InputError
from tests.support.artifactoryserver import FakeArtifactory, StoredItem, serve
from tests.support.sleeps import Sleeps

TOKEN = "art-Token-0123456789abcdef"
BIG = 20 * 1024
TRICKY = "a;b,c=d|e\\f"
# The least a build info must hold for Artifactory to take it.
BUILD_INFO = {
    "version": "1.0.1",
    "name": "svc",
    "number": "1",
    "started": "2026-01-02T10:00:00.000+0000",
    "modules": [],
}


class Clock:
    """A clock that only ``sleep`` moves: total-time bounds without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


@pytest.fixture
def store(fake: FakeArtifactory, sleeps: Sleeps) -> ArtifactoryRestStore:
    return make_store(fake, sleep=sleeps)


def make_store(fake: FakeArtifactory, **options: Any) -> ArtifactoryRestStore:
    settings: dict[str, Any] = {"timeout": 5.0, "max_attempts": 4, "max_total_seconds": 60.0}
    settings.update(options)
    auth = settings.pop("auth", HeaderAuth("Authorization", TOKEN, "Bearer "))
    return ArtifactoryRestStore(fake.url, auth=auth, **settings)


@pytest.fixture
def local(tmp_path: Path) -> Callable[..., LocalFile]:
    def make(data: bytes, name: str = "app.tar.gz") -> LocalFile:
        path = tmp_path / name
        path.write_bytes(data)
        return LocalFile(
            path=path,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            sha1=hashlib.sha1(data).hexdigest(),
            md5=hashlib.md5(data).hexdigest(),
        )

    return make


def test_small_file_is_deployed_directly_and_verified(
    fake: FakeArtifactory, store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    file = local(b"small" * 10)
    result = store.upload(file, "svc/1/linux/app.tar.gz", {"build.number": "1"})
    assert (result.bytes_sent, result.skipped_by_checksum, result.attempts) == (50, False, 1)
    assert fake.kinds() == ["deploy", "storage"]
    assert fake.bytes_received == 50
    assert result.url == f"{fake.url}/candidates/svc/1/linux/app.tar.gz"


def test_checksum_deploy_miss_then_full_upload(
    fake: FakeArtifactory, store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    file = local(b"x" * BIG)
    result = store.upload(file, "svc/1/linux/app.tar.gz", {})
    assert not result.skipped_by_checksum
    assert result.bytes_sent == BIG
    assert fake.kinds() == ["checksum_deploy", "deploy", "storage"]
    assert fake.bytes_received == BIG
    assert fake.blobs[file.sha256] == b"x" * BIG


def test_reupload_of_the_same_content_sends_zero_bytes(
    fake: FakeArtifactory, store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    file = local(b"y" * BIG)
    store.upload(file, "svc/1/linux/app.tar.gz", {"build.number": "1"})
    sent = fake.bytes_received
    again = store.upload(file, "svc/2/linux/app.tar.gz", {"build.number": "2"})
    assert (again.skipped_by_checksum, again.bytes_sent) == (True, 0)
    assert fake.bytes_received == sent
    stored = store.stat("svc/2/linux/app.tar.gz")
    assert stored is not None
    assert stored.properties == {"build.number": ("2",)}
    assert stored.sha256 == file.sha256


def test_properties_with_special_characters_arrive_intact(
    fake: FakeArtifactory, store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    store.upload(local(b"z" * BIG), "svc/1/a b.bin", {"note": TRICKY, "build.number": "7"})
    assert fake.items[("candidates", "svc/1/a b.bin")].properties == {
        "note": [TRICKY],
        "build.number": ["7"],
    }
    store.set_properties("svc/1/a b.bin", {"verdict": "ok=yes;really", "build.number": "8"})
    stored = store.stat("svc/1/a b.bin")
    assert stored is not None
    assert stored.properties == {
        "note": (TRICKY,),
        "build.number": ("8",),
        "verdict": ("ok=yes;really",),
    }


def test_a_property_key_artifactory_forbids_is_refused(
    store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    with pytest.raises(StorePathError):
        store.upload(local(b"1"), "svc/1/f", {"bad key": "v"})


def test_stat(fake: FakeArtifactory, store: ArtifactoryRestStore) -> None:
    assert store.stat("svc/none") is None
    sha = fake.put_file("candidates", "svc/1/f.txt", b"hello")
    stored = store.stat("svc/1/f.txt")
    assert stored is not None
    assert (stored.size, stored.sha256, dict(stored.properties)) == (5, sha, {})
    assert stored.sha1 == hashlib.sha1(b"hello").hexdigest()


def test_verify_catches_a_store_that_keeps_other_bytes(
    fake: FakeArtifactory,
    store: ArtifactoryRestStore,
    local: Callable[..., LocalFile],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = fake._info

    def lying(repo: str, name: str, item: StoredItem) -> dict[str, Any]:
        info = real(repo, name, item)
        info["checksums"] = {**info["checksums"], "sha256": "0" * 64}
        return info

    monkeypatch.setattr(fake, "_info", lying)
    with pytest.raises(StoreError, match=r"stored sha256 0+ is not the local"):
        store.upload(local(b"q" * 100), "svc/1/f", {})


def test_search_by_properties_under_a_folder(
    fake: FakeArtifactory, store: ArtifactoryRestStore
) -> None:
    fake.put_file("candidates", "svc/1/linux/a", b"a", **{"build.number": "1", "ok": "y"})
    fake.put_file("candidates", "svc/1/b", b"bb", **{"build.number": "1", "ok": "n"})
    fake.put_file("candidates", "svc/10/linux/c", b"c", **{"build.number": "1", "ok": "y"})
    fake.put_file("other", "svc/1/d", b"d", **{"build.number": "1", "ok": "y"})
    found = store.search({"ok": "y"}, "svc/1")
    assert [(f.path, f.size) for f in found] == [("svc/1/linux/a", 1)]
    assert found[0].properties == {"build.number": ("1",), "ok": ("y",)}
    everything = store.search({"build.number": "1"})
    assert sorted(f.path for f in everything) == ["svc/1/b", "svc/1/linux/a", "svc/10/linux/c"]


def test_publish_build_info_keeps_the_document(
    fake: FakeArtifactory, store: ArtifactoryRestStore
) -> None:
    store.publish_build_info(BUILD_INFO)
    assert fake.builds == [BUILD_INFO]


def test_download_is_atomic_and_retried_after_a_reset_mid_body(
    fake: FakeArtifactory, store: ArtifactoryRestStore, tmp_path: Path, sleeps: Sleeps
) -> None:
    fake.put_file("candidates", "svc/1/f.bin", b"content" * 1000)
    fake.fail("download", "reset")
    target = tmp_path / "out" / "f.bin"
    store.download("svc/1/f.bin", target)
    assert target.read_bytes() == b"content" * 1000
    assert len(sleeps) == 1
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]


@pytest.mark.parametrize("fault", ["500", "502", "503", "429", "reset"])
def test_retryable_faults_are_retried(
    fake: FakeArtifactory,
    store: ArtifactoryRestStore,
    local: Callable[..., LocalFile],
    sleeps: Sleeps,
    fault: str,
) -> None:
    fake.fail("deploy", fault)
    result = store.upload(local(b"r" * BIG), "svc/1/f", {})
    assert result.attempts == 3  # the checksum deploy, the failed deploy, the good one
    assert len(sleeps) == 1
    assert fake.kinds() == ["checksum_deploy", "deploy", "deploy", "storage"]


def test_retry_after_is_honoured(
    fake: FakeArtifactory, store: ArtifactoryRestStore, sleeps: Sleeps
) -> None:
    fake.fail("build", "429:7", "503")
    store.publish_build_info(BUILD_INFO)
    assert sleeps[0] == 7.0
    assert 0.5 <= sleeps[1] <= 2.0  # backoff 1s * 2, with jitter in [0.5, 1]


def test_a_stall_longer_than_the_timeout_is_retried(
    fake: FakeArtifactory, local: Callable[..., LocalFile]
) -> None:
    fake.stall_seconds = 3.0
    fake.fail("storage", "stall")
    store = make_store(fake, timeout=0.3, sleep=Sleeps())
    started = time.monotonic()
    assert store.upload(local(b"s"), "svc/1/f", {}).attempts == 1
    assert time.monotonic() - started < 2.5
    assert fake.kinds() == ["deploy", "storage", "storage"]


@pytest.mark.parametrize(
    ("fault", "text"),
    [("401", "authentication failed"), ("301", "redirected"), ("409", "injected conflict")],
)
def test_fatal_answers_are_not_retried(
    fake: FakeArtifactory,
    store: ArtifactoryRestStore,
    local: Callable[..., LocalFile],
    sleeps: Sleeps,
    fault: str,
    text: str,
) -> None:
    fake.fail("deploy", fault)
    with pytest.raises(StoreError, match=text) as caught:
        store.upload(local(b"f"), "svc/1/f", {})
    assert caught.value.exit_code == ExitCode.OUTSIDE_FAILURE
    assert fake.kinds() == ["deploy"]
    assert sleeps == []


def test_a_checksum_mismatch_is_the_servers_409_message(
    fake: FakeArtifactory, store: ArtifactoryRestStore, local: Callable[..., LocalFile]
) -> None:
    file = local(b"good")
    wrong = LocalFile(file.path, file.size, hashlib.sha256(b"bad").hexdigest(), file.sha1, file.md5)
    with pytest.raises(StoreError, match="Checksum error for 'X-Checksum-Sha256'"):
        store.upload(wrong, "svc/1/f", {})


def test_attempts_are_bounded(
    fake: FakeArtifactory, store: ArtifactoryRestStore, sleeps: Sleeps
) -> None:
    fake.fail("build", *["503"] * 10)
    with pytest.raises(StoreError, match="HTTP 503 after 4 attempts"):
        store.publish_build_info(BUILD_INFO)
    assert len(sleeps) == 3


def test_total_time_is_bounded(fake: FakeArtifactory) -> None:
    clock = Clock()
    store = make_store(fake, max_attempts=10, max_total_seconds=5.0, sleep=clock.sleep, clock=clock)
    fake.fail("build", "429:3", "429:3", "429:3")
    with pytest.raises(StoreError, match="gave up after 2 attempts within the 5s limit"):
        store.publish_build_info(BUILD_INFO)
    assert clock.sleeps == [3.0]


def test_total_time_bounds_a_stalling_store_in_real_time(fake: FakeArtifactory) -> None:
    fake.stall_seconds = 5.0
    fake.fail("build", *["stall"] * 5)
    store = make_store(fake, timeout=1.0, max_attempts=10, max_total_seconds=0.6)
    started = time.monotonic()
    with pytest.raises(StoreError, match="no answer within"):
        store.publish_build_info(BUILD_INFO)
    assert time.monotonic() - started < 2.0


def test_seeded_random_faults_are_survived(
    fake: FakeArtifactory, local: Callable[..., LocalFile]
) -> None:
    fake.random_faults(seed=7, rate=0.3)
    store = make_store(fake, max_attempts=10, sleep=Sleeps())
    for n in range(5):
        data = bytes([n]) * (BIG if n % 2 else 100)
        result = store.upload(local(data, f"f{n}"), f"svc/1/f{n}", {"n": str(n)})
        assert result.path == f"svc/1/f{n}"
        assert fake.blobs[fake.items[("candidates", f"svc/1/f{n}")].sha256] == data
    assert len(fake.seen) > 12  # some requests were failed and repeated


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(StorePathError, match="credentials come from the environment") as caught:
        ArtifactoryRestStore("https://bot:s3cret-pass@art.example.com/artifactory")
    assert "s3cret-pass" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_the_token_is_never_in_error_text_or_logs(
    fake: FakeArtifactory,
    store: ArtifactoryRestStore,
    local: Callable[..., LocalFile],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.conflict_message = f"rejected request with Bearer {TOKEN}"
    fake.fail("deploy", "503", "409")
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreError) as caught:
        store.upload(local(b"t"), "svc/1/f", {})
    assert TOKEN not in str(caught.value)
    assert "****" in str(caught.value)
    assert TOKEN not in caplog.text
    assert caplog.records  # the retry was logged


def test_a_wrong_token_fails_at_once(
    fake: FakeArtifactory, local: Callable[..., LocalFile], sleeps: Sleeps
) -> None:
    store = make_store(fake, auth=HeaderAuth("Authorization", "wrong-token", "Bearer "))
    with pytest.raises(StoreError, match="CIPIPE_ARTIFACTORY_TOKEN") as caught:
        store.upload(local(b"t"), "svc/1/f", {})
    assert "wrong-token" not in str(caught.value)
    assert len(fake.seen) == 1


def test_api_key_and_basic_auth_reach_the_server(local: Callable[..., LocalFile]) -> None:
    env = {"CIPIPE_ARTIFACTORY_API_KEY": "key-0123456789"}
    with serve(FakeArtifactory(authorization={"X-JFrog-Art-Api": "key-0123456789"})) as fake:
        store = ArtifactoryRestStore.from_env(fake.url, env, sleep=Sleeps())
        assert store.upload(local(b"k"), "svc/1/f", {}).attempts == 1
    basic = {"CIPIPE_ARTIFACTORY_USER": "bot", "CIPIPE_ARTIFACTORY_PASSWORD": "pw-0123"}
    with serve(FakeArtifactory(authorization={"Authorization": "Basic Ym90OnB3LTAxMjM="})) as fake:
        store = ArtifactoryRestStore.from_env(fake.url, basic, sleep=Sleeps())
        assert store.upload(local(b"k"), "svc/1/f", {}).attempts == 1


def test_auth_from_env() -> None:
    assert auth_from_env({}) is None
    both = {"CIPIPE_ARTIFACTORY_TOKEN": "t-1234", "CIPIPE_ARTIFACTORY_API_KEY": "k-1234"}
    token = auth_from_env(both)
    assert isinstance(token, HeaderAuth)
    assert (token.header, repr(token)) == ("Authorization", "HeaderAuth(Authorization, ****)")
    with pytest.raises(InputError, match="set together"):
        auth_from_env({"CIPIPE_ARTIFACTORY_USER": "bot"})
