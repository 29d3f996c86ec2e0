"""Which dependency files the repository holds, and which reader reads each.

A lock file or an installed state is exact, a manifest only names what was asked for: when both
mention one package, the exact source wins.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from cipipe.confine import repository_file
from cipipe.contracts.loading import read_bytes
from cipipe.globs import glob_match
from cipipe.readers.deps import Dependency, DependencyFileError


@dataclass(frozen=True)
class ManifestKind:
    pattern: str  # matched against the file name
    reader: str  # module:function under cipipe.readers.deps
    exact: bool  # a lock file or installed state (wins over a manifest)


KINDS = (
    ManifestKind("conan.lock", "conan_lock:parse", exact=True),
    ManifestKind("conanfile.txt", "conanfile_txt:parse", exact=False),
    ManifestKind("vcpkg.spdx.json", "vcpkg:parse_installed_spdx", exact=True),
    ManifestKind("vcpkg.json", "vcpkg:parse", exact=False),
    ManifestKind("requirements*.txt", "requirements_txt:parse", exact=True),
    ManifestKind("package-lock.json", "package_lock:parse", exact=True),
    ManifestKind("go.mod", "go_mod:parse", exact=True),
    ManifestKind("Cargo.lock", "cargo_lock:parse", exact=True),
    # bazel_dep versions are minimums: Bazel's resolution may pick a later one.
    ManifestKind("MODULE.bazel", "module_bazel:parse", exact=False),
)
# vcpkg's installed state is not tracked in git: it appears after `vcpkg install`.
INSTALLED_GLOBS = ("vcpkg_installed/*/share/*/vcpkg.spdx.json",)


def _reader(spec: str) -> Callable[..., list[Dependency]]:
    module, function = spec.split(":")
    reader: Callable[..., list[Dependency]] = getattr(
        importlib.import_module(f"cipipe.readers.deps.{module}"), function
    )
    return reader


def kind_of(path: str) -> ManifestKind | None:
    name = PurePosixPath(path).name
    return next((k for k in KINDS if fnmatchcase(name, k.pattern)), None)


def find_manifests(repo: Path, tracked: Sequence[str], exclude: Sequence[str]) -> list[str]:
    found = {p for p in tracked if kind_of(p)}
    for pattern in INSTALLED_GLOBS:
        found.update(p.relative_to(repo).as_posix() for p in repo.glob(pattern) if p.is_file())
    return sorted(p for p in found if not any(glob_match(p, g) for g in exclude))


def read_manifests(repo: Path, paths: Sequence[str]) -> tuple[list[Dependency], list[Dependency]]:
    """Every dependency of every file, as (from exact sources, from manifests)."""
    exact: list[Dependency] = []
    loose: list[Dependency] = []
    for path in paths:
        kind = kind_of(path)
        if kind is None:
            continue
        file = repository_file(repo, path, leave_out="sbom.exclude in .cipipe.yaml")
        # A tracked symlink can point at /dev/zero: read only a regular file, and not for ever.
        text = read_bytes(file).decode("utf-8", errors="replace")
        try:
            found = _reader(kind.reader)(text, source=path)
        except DependencyFileError as exc:
            raise exc.located(path, expected=f"a valid {kind.pattern}") from None
        (exact if kind.exact else loose).extend(found)
    return exact, loose
