"""LocalFolderStore: the embedded store must behave like Artifactory, on disk, safely."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import (
    StoreError,
    StorePathError,
)
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.digests import digest_file
from tests.adapters.artifact_store.helpers import local_file


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "store")


def test_layout_and_stat(store: LocalFolderStore, tmp_path: Path) -> None:
    file = local_file(tmp_path / "in" / "app.tar.gz", b"payload")
    result = store.upload(file, "svc/42/linux/app.tar.gz", {"build": "42"})

    artifact = store.root / "candidates" / "svc/42/linux/app.tar.gz"
    assert artifact.read_bytes() == b"payload"
    assert (store.root / ".blobs" / file.sha256[:2] / file.sha256).read_bytes() == b"payload"
    assert result.url == artifact.as_uri()
    assert (result.bytes_sent, result.skipped_by_checksum, result.attempts) == (7, False, 1)
    assert store.location == (store.root / "candidates").as_uri()
    assert store.location.startswith("file://")

    stored = store.stat("svc/42/linux/app.tar.gz")
    assert stored is not None
    assert (stored.size, stored.sha256, stored.sha1, stored.md5) == (
        7,
        file.sha256,
        file.sha1,
        file.md5,
    )
    assert stored.properties == {"build": ("42",)}
    assert store.stat("svc/42/linux/other") is None


def test_stat_reads_digests_from_the_sidecar(
    store: LocalFolderStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.upload(local_file(tmp_path / "a", b"x"), "p/a", {})

    def no_digest(*args: object, **kwargs: object) -> None:
        raise AssertionError("stat recomputed a digest it had")

    monkeypatch.setattr("cipipe.adapters.artifact_store.local.digest_file", no_digest)
    assert store.stat("p/a") is not None


def test_stat_recomputes_when_the_file_was_replaced(
    store: LocalFolderStore, tmp_path: Path
) -> None:
    store.upload(local_file(tmp_path / "a", b"x"), "p/a", {})
    artifact = store.root / "candidates" / "p/a"
    artifact.unlink()
    artifact.write_bytes(b"other")
    stored = store.stat("p/a")
    assert stored is not None
    assert stored.sha256 == digest_file(artifact).sha256


def test_second_upload_of_same_content_sends_nothing(
    store: LocalFolderStore, tmp_path: Path
) -> None:
    file = local_file(tmp_path / "a", b"same bytes")
    first = store.upload(file, "one/a", {})
    second = store.upload(file, "two/a", {"k": "v"})
    again = store.upload(file, "one/a", {})
    assert not first.skipped_by_checksum
    assert (second.bytes_sent, second.skipped_by_checksum) == (0, True)
    assert (again.bytes_sent, again.skipped_by_checksum) == (0, True)
    assert (store.root / "candidates/two/a").read_bytes() == b"same bytes"
    blobs = [p for p in (store.root / ".blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_a_blob_changed_behind_the_store_is_stored_again(
    store: LocalFolderStore, tmp_path: Path
) -> None:
    file = local_file(tmp_path / "a", b"the good bytes")
    store.upload(file, "one/a", {})
    blob = store.root / ".blobs" / file.sha256[:2] / file.sha256
    blob.chmod(0o644)  # read-only is no protection against its owner
    blob.write_bytes(b"the evil bytes")
    result = store.upload(file, "two/a", {})
    # Not linked in under the good digest: the content came from the local file again.
    assert (result.bytes_sent, result.skipped_by_checksum) == (len(b"the good bytes"), False)
    assert (store.root / "candidates/two/a").read_bytes() == b"the good bytes"
    assert blob.read_bytes() == b"the good bytes"
    stored = store.stat("two/a")
    assert stored is not None and stored.sha256 == file.sha256
    # The file that was linked to the changed blob before is caught by its changed identity.
    first = store.stat("one/a")
    assert first is not None and first.sha256 == hashlib.sha256(b"the evil bytes").hexdigest()


def test_properties_sidecar_keeps_separator_characters(
    store: LocalFolderStore, tmp_path: Path
) -> None:
    tricky = "a;b,c=d|e\\f"
    store.upload(local_file(tmp_path / "a", b"x"), "p/a", {"k": tricky, "plain": "1"})
    stored = store.stat("p/a")
    assert stored is not None
    assert stored.properties == {"k": (tricky,), "plain": ("1",)}
    sidecar = store.root / ".cipipe-props" / "candidates" / "p/a.json"
    assert json.loads(sidecar.read_text())["properties"]["k"] == [tricky]
    assert [f.path for f in store.search({"k": tricky})] == ["p/a"]


def test_set_properties_merges_and_rewrites_atomically(
    store: LocalFolderStore, tmp_path: Path
) -> None:
    store.upload(local_file(tmp_path / "a", b"x"), "p/a", {"a": "1", "b": "2"})
    store.set_properties("p/a", {"b": "3", "c": "4"})
    stored = store.stat("p/a")
    assert stored is not None
    assert stored.properties == {"a": ("1",), "b": ("3",), "c": ("4",)}
    leftovers = [p.name for p in (store.root / ".cipipe-props").rglob("*") if ".tmp" in p.name]
    assert leftovers == []
    with pytest.raises(StoreError):
        store.set_properties("p/missing", {"a": "1"})


def test_failing_copy_leaves_no_partial_file(
    store: LocalFolderStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = local_file(tmp_path / "a", b"x" * 10000)

    def broken_copy(source: Path, target: Path) -> None:
        with Path(source).open("rb") as src, Path(target).open("wb") as dst:
            dst.write(src.read(100))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shutil.copyfile", broken_copy)
    with pytest.raises(StoreError, match="No space left"):
        store.upload(file, "p/a", {})
    assert [p for p in store.root.rglob("*") if p.is_file()] == []
    assert store.stat("p/a") is None


def test_content_changed_during_upload_is_refused(store: LocalFolderStore, tmp_path: Path) -> None:
    file = local_file(tmp_path / "a", b"original")
    (tmp_path / "a").write_bytes(b"changed!")
    with pytest.raises(StoreError, match="changed while being stored"):
        store.upload(file, "p/a", {})
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_search_by_properties_and_prefix(store: LocalFolderStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    store.upload(local_file(src / "1", b"1"), "svc/1/linux/a", {"build": "1", "ok": "yes"})
    store.upload(local_file(src / "2", b"2"), "svc/1/win/a", {"build": "1", "ok": "no"})
    store.upload(local_file(src / "3", b"3"), "svc/10/linux/a", {"build": "10", "ok": "yes"})
    store.upload(local_file(src / "4", b"4"), "other/1/a", {"build": "1"})
    (store.root / "candidates/svc/1/stray").write_bytes(b"no sidecar: not an artifact")

    assert [f.path for f in store.search({"ok": "yes"})] == ["svc/1/linux/a", "svc/10/linux/a"]
    assert [f.path for f in store.search({}, "svc/1/")] == ["svc/1/linux/a", "svc/1/win/a"]
    assert [f.path for f in store.search({}, "svc/1")] == [
        "svc/1/linux/a",
        "svc/1/win/a",
        "svc/10/linux/a",
    ]
    assert [f.path for f in store.search({"build": "1"}, "svc/")] == [
        "svc/1/linux/a",
        "svc/1/win/a",
    ]
    assert store.search({}, "nothing/here/") == []
    found = store.search({}, "")
    assert all(".json" not in f.path and not f.path.startswith(".") for f in found)
    assert len(found) == 4


@pytest.mark.parametrize(
    "path", ["../escape", "a/../../b", "/etc/passwd", "a//b", "./a", "a\\b", "", "a/"]
)
def test_unsafe_paths_are_refused(store: LocalFolderStore, tmp_path: Path, path: str) -> None:
    file = local_file(tmp_path / "a", b"x")
    with pytest.raises(StorePathError):
        store.upload(file, path, {})
    with pytest.raises(StorePathError):
        store.stat(path)
    with pytest.raises(StorePathError):
        store.download(path, tmp_path / "out")


def test_symlink_escape_is_refused(store: LocalFolderStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.root / "candidates").mkdir(parents=True)
    (store.root / "candidates" / "link").symlink_to(outside)
    with pytest.raises(StorePathError, match="symlink"):
        store.upload(local_file(tmp_path / "a", b"x"), "link/a", {})
    assert list(outside.iterdir()) == []
    (store.root / "candidates" / "filelink").symlink_to(tmp_path / "a")
    with pytest.raises(StorePathError):
        store.download("filelink", tmp_path / "out")
    assert store.search({}) == []


def test_bad_repository_names_are_refused(tmp_path: Path) -> None:
    for name in ["../x", "a/b", ".blobs", ""]:
        with pytest.raises(StorePathError):
            LocalFolderStore(tmp_path, name)


def test_download_copies_atomically(store: LocalFolderStore, tmp_path: Path) -> None:
    store.upload(local_file(tmp_path / "a", b"content"), "p/a", {})
    target = tmp_path / "dl" / "a"
    store.download("p/a", target)
    assert target.read_bytes() == b"content"
    target.write_bytes(b"edited")  # a copy: editing it must not touch the store
    assert (store.root / "candidates/p/a").read_bytes() == b"content"
    with pytest.raises(StoreError):
        store.download("p/missing", tmp_path / "dl" / "m")
    assert not (tmp_path / "dl" / "m").exists()


def test_publish_build_info(store: LocalFolderStore) -> None:
    store.publish_build_info({"name": "svc", "number": "42", "modules": []})
    written = store.root / ".builds" / "svc" / "42.json"
    assert json.loads(written.read_text()) == {"name": "svc", "number": "42", "modules": []}
    for bad in [{"name": "../x", "number": "1"}, {"name": "a/b", "number": "1"}, {"number": "1"}]:
        with pytest.raises(StorePathError):
            store.publish_build_info(bad)
