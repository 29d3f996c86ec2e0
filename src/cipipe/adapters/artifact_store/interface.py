"""What publish and bundle need from an artifact store, whichever one it is.

Paths are relative to the store's repository (``<service>/<buildId>/<platform>/<name>``) and
always '/'-separated; every implementation refuses a path that could leave the repository.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cipipe.errors import InputError, OutsideSystemError


class StoreError(OutsideSystemError):
    """The store failed after retries, refused the credentials, or answered unexpectedly."""


class StorePathError(InputError):
    """A path or property that must not be sent to a store (exit 2)."""


@dataclass(frozen=True)
class LocalFile:
    path: Path
    size: int
    sha256: str
    sha1: str
    md5: str


@dataclass(frozen=True)
class UploadResult:
    path: str
    url: str
    bytes_sent: int
    skipped_by_checksum: bool  # the store had the content already: no byte was sent
    attempts: int


@dataclass(frozen=True)
class StoredFile:
    path: str
    size: int
    sha256: str
    sha1: str | None = None
    md5: str | None = None
    properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class ArtifactStore(Protocol):
    @property
    def location(self) -> str:
        """Where the store is, for messages (never with credentials)."""

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        """Put ``file`` at ``path`` with ``properties``; skip the bytes when the store already
        has the content (checksum deploy)."""

    def stat(self, path: str) -> StoredFile | None:
        """The stored file's size, checksums and properties; None when absent."""

    def set_properties(self, path: str, properties: Mapping[str, str]) -> None: ...

    def publish_build_info(self, document: Mapping[str, Any]) -> None: ...

    def search(self, properties: Mapping[str, str], path_prefix: str = "") -> list[StoredFile]:
        """Files under ``path_prefix`` whose properties equal all of ``properties``."""

    def download(self, path: str, target: Path) -> None: ...


def check_store_path(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or any(p in {"", ".", ".."} for p in parts):
        raise StorePathError(
            f"unsafe store path {path!r}", expected="a relative '/' path without '.' or '..'"
        )
    return path


def join_path(*parts: str) -> str:
    return check_store_path("/".join(p.strip("/") for p in parts if p))


def sorted_properties(properties: Mapping[str, str]) -> Sequence[tuple[str, str]]:
    return sorted(properties.items())
