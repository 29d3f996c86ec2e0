"""Dependency manifests and lock files, one small reader per format (text in, dependencies out).

The SBOM step turns these into CycloneDX components; the scan step matches them against
advisories by purl, so every reader fills in the purl whenever the format allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cipipe.errors import ReaderError

ComponentKind = Literal[
    "library", "application", "framework", "firmware", "device-driver", "file", "operating-system"
]


class DependencyFileError(ReaderError):
    """A manifest or lock file that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str | None
    purl: str | None  # with the version, e.g. pkg:conan/zlib@1.3.1
    source: str  # the file (or mechanism) it came from, e.g. "conan.lock", "submodule"
    kind: ComponentKind = "library"
    group: str | None = None  # namespace, e.g. an npm scope or a Maven group
    licenses: tuple[str, ...] = ()  # SPDX ids or expressions
    hashes: tuple[tuple[str, str], ...] = ()  # (CycloneDX algorithm, hex), e.g. ("SHA-256", "…")
    cpe: str | None = None
    scope: Literal["required", "optional", "excluded"] | None = None
    properties: tuple[tuple[str, str], ...] = ()  # extra facts, e.g. ("cipipe:git-commit", …)
