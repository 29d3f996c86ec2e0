"""Vendored components: source copied into the repository, which no package manager knows.

Syft sees nothing of a vendored lwIP; cipipe reads the components file the team keeps
(``third_party/components.yaml``) and checks that each folder or file still holds what was
declared: the recorded hash must equal its hash now, else the copy drifted (a local patch, an
update without a declaration) and the finding says so. A declared path that is not there is an
error of the components file, never a silent component without a hash.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from cipipe.confine import repository_file
from cipipe.contracts.base import Strict
from cipipe.contracts.deps_changed import VendoredDrift
from cipipe.contracts.loading import load_yaml, validate_data
from cipipe.errors import InputError
from cipipe.readers.deps import Dependency

HASH_PREFIX = "sha256:"


class VendoredEntry(Strict):
    name: str
    version: str | None = Field(default=None, description="None when it is not known")
    path: str
    license: str | None = None
    purl: str | None = None
    cpe: str | None = None
    hash: str | None = Field(
        default=None, description="sha256:<hex>: tree hash of a folder, digest of a file"
    )
    supplier: str | None = None
    scope: Literal["required", "optional", "excluded"] | None = Field(
        default=None,
        description="CycloneDX scope: excluded for a test-only copy (googletest under test/) "
        "that no shipped file contains; unset: not said",
    )


class ComponentsFile(Strict):
    components: list[VendoredEntry]


@dataclass(frozen=True)
class VendoredResult:
    dependencies: list[Dependency]
    drift: list[VendoredDrift]


def tree_hash(folder: Path) -> str:
    """sha256 over every file's relative path and content digest, in sorted order.

    Independent of timestamps, permissions and where the folder lives, so two checkouts of the
    same commit agree; symlinks count by their target text, never followed.
    """
    outer = hashlib.sha256()
    entries: list[tuple[str, str]] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                digest = hashlib.sha256(str(path.readlink()).encode()).hexdigest()
            else:
                digest = _regular_file_digest(path)
            entries.append((rel, digest))
    for rel, digest in sorted(entries):
        outer.update(f"{rel}\0{digest}\n".encode())
    return HASH_PREFIX + outer.hexdigest()


def _regular_file_digest(path: Path) -> str:
    """A FIFO or a device in a vendored folder (never tracked, but a checkout can hold one)
    would hang the read or never end: refused, naming it."""
    if not stat.S_ISREG(path.lstat().st_mode):
        raise InputError(
            "is not a regular file, folder or link",
            file=str(path),
            expected="only files, folders and links in a vendored folder",
        )
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes: what ``sha256sum FILE`` prints."""
    with path.open("rb") as handle:
        return HASH_PREFIX + hashlib.file_digest(handle, "sha256").hexdigest()


def vendored_hash(path: Path) -> str:
    """The hash a components file records for ``path``: a folder's tree hash, a file's digest."""
    return tree_hash(path) if path.is_dir() else file_hash(path)


def hash_of_path(path: Path) -> str:
    """``cipipe sbom --hash``: the hash of a folder or regular file, or why there is none."""
    expected = "a folder or a regular file"
    if not path.exists():
        raise InputError("does not exist", file=str(path), expected=expected)
    if not (path.is_dir() or path.is_file()):
        raise InputError("is not a folder or regular file", file=str(path), expected=expected)
    return vendored_hash(path)


def _existing_path(repo: Path, entry: VendoredEntry, file: str, index: int) -> Path:
    """The declared folder or regular file inside the repository; anything else says which
    entry and why (a FIFO or a device would never finish hashing)."""
    path = (repo / entry.path).resolve()
    field = f"components[{index}].path"
    expected = "a folder or a regular file inside the repository"
    if not path.is_relative_to(repo.resolve()):
        raise InputError(
            f"{entry.path!r} leaves the repository", file=file, field=field, expected=expected
        )
    if not path.exists():
        raise InputError(
            f"{entry.path!r} of entry {index} ({entry.name}) does not exist",
            file=file,
            field=field,
            expected=expected,
        )
    if not (path.is_dir() or path.is_file()):
        raise InputError(
            f"{entry.path!r} of entry {index} ({entry.name}) is not a folder or regular file",
            file=file,
            field=field,
            expected=expected,
        )
    return path


def _read_components(
    repo: Path, components_file: Path, *, empty_ok: bool = False
) -> ComponentsFile | None:
    # A link out of the repository would put another file's names into the SBOM.
    relative = components_file.relative_to(repo).as_posix()
    repository_file(repo, relative, leave_out="sbom.vendored")
    if not os.path.lexists(components_file):
        return None  # a folder or a FIFO in its place is refused by the read
    data: Any = load_yaml(components_file)
    if data is None and empty_ok:
        return None
    return validate_data(ComponentsFile, data, str(components_file))


def declared_paths(repo: Path, components_file: Path) -> list[str]:
    """The paths the components file declares, as written; none when there is no file, or an
    empty one: ``cipipe sbom --suggest > third_party/components.yaml`` empties the file before
    cipipe reads it."""
    declared = _read_components(repo, components_file, empty_ok=True)
    return [entry.path for entry in declared.components] if declared else []


def read_vendored(repo: Path, components_file: Path) -> VendoredResult:
    declared = _read_components(repo, components_file)
    if declared is None:
        return VendoredResult([], [])
    dependencies, drift = [], []
    for index, entry in enumerate(declared.components):
        actual = vendored_hash(_existing_path(repo, entry, str(components_file), index))
        if entry.hash is not None and actual != entry.hash:
            drift.append(
                VendoredDrift(name=entry.name, path=entry.path, recorded=entry.hash, actual=actual)
            )
        hashes = (("SHA-256", actual.removeprefix(HASH_PREFIX)),)
        dependencies.append(
            Dependency(
                name=entry.name,
                version=entry.version,
                purl=entry.purl or _generic_purl(entry),
                source=f"vendored:{entry.path}",
                licenses=(entry.license,) if entry.license else (),
                hashes=hashes,
                cpe=entry.cpe,
                scope=entry.scope,
                properties=(
                    ("cipipe:vendored-path", entry.path),
                    *((("cipipe:supplier", entry.supplier),) if entry.supplier else ()),
                ),
            )
        )
    return VendoredResult(dependencies, drift)


def _generic_purl(entry: VendoredEntry) -> str:
    from packageurl import PackageURL

    return str(PackageURL(type="generic", name=entry.name, version=entry.version).to_string())
