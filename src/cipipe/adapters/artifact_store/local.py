"""The embedded artifact store: a folder laid out like the Artifactory repository.

It is the default when no server is configured (``--target file:///path`` or no target), so a
pipeline can publish, bundle and search on a laptop or in a test exactly as it would against
Artifactory. Layout under ``root``::

    <repository>/<path>                 the artifact, a hard link to (or copy of) its blob
    .cipipe-props/<repository>/<path>.json
                                        its sidecar: digests, properties, and the file's
                                        identity (size, inode, mtime) when the sidecar was written
    .blobs/<sha256[:2]>/<sha256>        content store: an upload whose content is there already
                                        copies no byte (Artifactory's checksum deploy), once
                                        the blob is read and found to still hold that content
    .builds/<name>/<number>.json        published build-info documents

Sidecars live in a mirror tree rather than next to the files so that no artifact name can
collide with one and ``search`` never mistakes one for an artifact. The sidecar is written last:
an artifact without one is an interrupted upload and counts as absent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat as stat_mode
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cipipe.adapters.artifact_store.interface import (
    LocalFile,
    StoredFile,
    StoreError,
    StorePathError,
    UploadResult,
    check_store_path,
)
from cipipe.digests import digest_file
from cipipe.fileio import atomic_copy, atomic_write_text

log = logging.getLogger("cipipe.store")

PROPS_DIR = ".cipipe-props"
BLOBS_DIR = ".blobs"
BUILDS_DIR = ".builds"


class LocalFolderStore:
    """An ``ArtifactStore`` in a local folder; see the module docstring for the layout."""

    def __init__(self, root: Path, repository: str = "candidates") -> None:
        if "/" in repository or repository.startswith("."):
            # One plain folder name: a leading dot would collide with our own folders.
            raise StorePathError(
                f"unsafe repository name {repository!r}", expected="one name not starting with '.'"
            )
        check_store_path(repository)
        # Resolved once, so a root reached through a symlink (/tmp on macOS) is not an "escape".
        self.root = root.resolve()
        self.repository = repository

    @property
    def location(self) -> str:
        return (self.root / self.repository).as_uri()

    # -- paths ---------------------------------------------------------------------------------

    def _artifact(self, path: str) -> Path:
        return self._inside(Path(self.repository), path)

    def _sidecar(self, path: str) -> Path:
        return self._inside(Path(PROPS_DIR) / self.repository, path + ".json")

    def _inside(self, base: Path, path: str) -> Path:
        """``root/base/path``, refused when the path is unsafe or any existing part of it is a
        symlink: we never create symlinks, so one is someone pointing the store elsewhere."""
        check_store_path(path)
        current = self.root
        for part in (*base.parts, *path.split("/")):
            current = current / part
            if current.is_symlink():
                raise StorePathError(
                    f"{current} is a symlink", expected="a store path without symlinks"
                )
        if not os.path.realpath(current).startswith(str(self.root) + os.sep):
            raise StorePathError(f"{path!r} leaves the store root {self.root}")
        return current

    def _blob(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= set("0123456789abcdef"):
            raise StoreError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / BLOBS_DIR / sha256[:2] / sha256

    # -- ArtifactStore ---------------------------------------------------------------------------

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        """Store the content once under its sha256, then put it at ``path``, then the sidecar.

        Upload replaces the artifact's properties, as a deploy to Artifactory does.
        """
        target = self._artifact(path)
        sidecar = self._sidecar(path)
        blob = self._blob(file.sha256)
        try:
            skipped = blob.is_file() and _holds(blob, file)
            if not skipped:
                self._store_blob(file, blob)
            _place(blob, target)
            self._write_sidecar(sidecar, target, file, {k: (v,) for k, v in properties.items()})
        except OSError as exc:
            raise StoreError(f"{self.location}: cannot store {path}: {exc}") from exc
        return UploadResult(
            path=path,
            url=target.as_uri(),
            bytes_sent=0 if skipped else file.size,
            skipped_by_checksum=skipped,
            attempts=1,
        )

    def _store_blob(self, file: LocalFile, blob: Path) -> None:
        """Copy to a unique staging name, check the copied bytes, then rename into place: a
        blob under a digest's name always has that digest."""
        staging = blob.with_name(f".{blob.name}.{uuid.uuid4().hex}.incoming")
        try:
            atomic_copy(file.path, staging)
            copied = digest_file(staging, threads=1)
            if copied.sha256 != file.sha256 or copied.size != file.size:
                raise StoreError(
                    f"{file.path} changed while being stored: expected sha256 {file.sha256} "
                    f"({file.size} bytes), copied {copied.sha256} ({copied.size} bytes)"
                )
            # Read-only: the artifact paths are hard links to it, and must not be edited in place.
            mode = staging.stat().st_mode
            staging.chmod(mode & ~(stat_mode.S_IWUSR | stat_mode.S_IWGRP | stat_mode.S_IWOTH))
            staging.replace(blob)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()

    def _write_sidecar(
        self,
        sidecar: Path,
        target: Path,
        digests: LocalFile | StoredFile,
        properties: Mapping[str, tuple[str, ...]],
    ) -> None:
        info = target.stat()
        document = {
            "size": digests.size,
            "sha256": digests.sha256,
            "sha1": digests.sha1,
            "md5": digests.md5,
            "properties": {k: list(v) for k, v in sorted(properties.items())},
            "identity": _identity(info),
        }
        atomic_write_text(sidecar, json.dumps(document, indent=2, sort_keys=True) + "\n")

    def stat(self, path: str) -> StoredFile | None:
        """From the sidecar; the digests are recomputed only when the file is not the one the
        sidecar describes (edited or replaced outside the store)."""
        target = self._artifact(path)
        sidecar = self._sidecar(path)
        try:
            document = json.loads(sidecar.read_text(encoding="utf-8"))
            info = target.stat()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.location}: cannot read {path}: {exc}") from exc
        properties = {k: tuple(v) for k, v in document["properties"].items()}
        if document.get("identity") != _identity(info):
            fresh = digest_file(target)
            return StoredFile(path, fresh.size, fresh.sha256, fresh.sha1, fresh.md5, properties)
        return StoredFile(
            path,
            document["size"],
            document["sha256"],
            document["sha1"],
            document["md5"],
            properties,
        )

    def set_properties(self, path: str, properties: Mapping[str, str]) -> None:
        """Merge: the given keys get the given values, the other keys stay."""
        current = self.stat(path)
        if current is None:
            raise StoreError(f"{self.location}: no artifact at {path}")
        merged = {**current.properties, **{k: (v,) for k, v in properties.items()}}
        try:
            self._write_sidecar(self._sidecar(path), self._artifact(path), current, merged)
        except OSError as exc:
            raise StoreError(f"{self.location}: cannot set properties on {path}: {exc}") from exc

    def publish_build_info(self, document: Mapping[str, Any]) -> None:
        name, number = str(document.get("name", "")), str(document.get("number", ""))
        for value in (name, number):
            if not value or "/" in value:
                raise StorePathError(
                    f"build name or number {value!r}", expected="a non-empty name without '/'"
                )
        target = self._inside(Path(BUILDS_DIR), f"{name}/{number}.json")
        try:
            atomic_write_text(target, json.dumps(document, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise StoreError(f"{self.location}: cannot write build info: {exc}") from exc

    def search(self, properties: Mapping[str, str], path_prefix: str = "") -> list[StoredFile]:
        """Walk the repository folder below the prefix's folder; sorted by path."""
        found: list[StoredFile] = []
        for path in self._walk(path_prefix):
            stored = self.stat(path)
            if stored is None:
                continue  # an interrupted upload
            if all(stored.properties.get(k) == (v,) for k, v in properties.items()):
                found.append(stored)
        return sorted(found, key=lambda f: f.path)

    def _walk(self, path_prefix: str) -> Iterator[str]:
        folder = path_prefix.rpartition("/")[0]
        start = self._artifact(folder) if folder else self.root / self.repository
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
            base = Path(dirpath).relative_to(self.root / self.repository).as_posix()
            dirnames.sort()
            for name in sorted(filenames):
                path = name if base == "." else f"{base}/{name}"
                if path.startswith(path_prefix) and not (Path(dirpath) / name).is_symlink():
                    yield path

    def download(self, path: str, target: Path) -> None:
        source = self._artifact(path)
        if not source.is_file() or not self._sidecar(path).is_file():
            raise StoreError(f"{self.location}: no artifact at {path}")
        try:
            atomic_copy(source, target)
        except OSError as exc:
            raise StoreError(f"{self.location}: cannot download {path}: {exc}") from exc


def _holds(blob: Path, file: LocalFile) -> bool:
    """Whether the blob still holds ``file``'s content. Blobs are read-only, not immutable: one
    changed behind the store's back must not be linked in under the good digest (the sidecar
    would then vouch for bytes nobody checked), so it is stored again from the local file."""
    found = digest_file(blob, threads=1)
    if found.sha256 == file.sha256 and found.size == file.size:
        return True
    log.warning("%s does not hold the content its name says: storing it again", blob)
    return False


def _place(blob: Path, target: Path) -> None:
    """Put the blob at ``target`` atomically: a hard link when the filesystem allows, else a
    copy. Linked through a temp name and renamed, so a reader never sees a missing file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        os.link(blob, staging)
    except OSError:
        atomic_copy(blob, target)
        return
    try:
        staging.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()


def _identity(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_ino, info.st_mtime_ns]
