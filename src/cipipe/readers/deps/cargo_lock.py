"""Cargo.lock: every crate of a Rust build, with the SHA-256 of each downloaded .crate file.

    version = 4

    [[package]]
    name = "memchr"
    version = "2.5.0"
    source = "registry+https://github.com/rust-lang/crates.io-index"
    checksum = "2dffe52ecf27772e601905b7522cb4ef790d2cc203488bbd0e2fe85fcb74566d"

A package without ``source`` is a path dependency or a workspace member: the project's own
code, skipped. Lockfile v1 kept the checksums apart in ``[metadata]`` under keys like
``"checksum memchr 2.5.0 (registry+...)"``; they are read too. The purl is
``pkg:cargo/<name>@<version>``; a crate from git or another registry keeps that source as the
property ``cipipe:cargo-source`` (the purl says which crate, the property where it came from).
"""

from __future__ import annotations

import tomllib
from typing import Any

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import json_type, make_purl

CRATES_IO = frozenset(
    {
        "registry+https://github.com/rust-lang/crates.io-index",
        "sparse+https://index.crates.io/",
    }
)
SOURCE_PROPERTY = "cipipe:cargo-source"


def parse(text: str, *, source: str = "Cargo.lock") -> list[Dependency]:
    """Every crate that came from a registry or git, in file order."""
    try:
        lock = tomllib.loads(text.lstrip("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise DependencyFileError(f"invalid TOML: {exc}") from None
    packages = lock.get("package", [])
    if not isinstance(packages, list):
        raise DependencyFileError("package: expected [[package]] tables")
    v1_checksums = _v1_checksums(lock.get("metadata"))
    dependencies: list[Dependency] = []
    for i, package in enumerate(packages):
        where = f"package[{i}]"
        if not isinstance(package, dict):
            raise DependencyFileError(f"{where}: expected a table")
        name = _str(package, "name", where)
        version = _str(package, "version", where)
        crate_source = package.get("source")
        if crate_source is None:
            continue  # a path dependency or workspace member
        if not isinstance(crate_source, str):
            raise DependencyFileError(f"{where}.source: expected a string")
        checksum = package.get("checksum") or v1_checksums.get(
            f"checksum {name} {version} ({crate_source})"
        )
        if checksum is not None and not isinstance(checksum, str):
            raise DependencyFileError(f"{where}.checksum: expected a string")
        dependencies.append(
            Dependency(
                name=name,
                version=version,
                purl=make_purl("cargo", name, version),
                source=source,
                hashes=(("SHA-256", checksum.lower()),) if checksum else (),
                properties=() if crate_source in CRATES_IO else ((SOURCE_PROPERTY, crate_source),),
            )
        )
    return dependencies


def _str(package: dict[str, Any], key: str, where: str) -> str:
    value = package.get(key)
    if not isinstance(value, str) or not value:
        found = "missing" if value is None else f"a {json_type(value)}"
        raise DependencyFileError(f"{where}.{key}: expected a string, found {found}")
    return value


def _v1_checksums(metadata: object) -> dict[str, str]:
    if not isinstance(metadata, dict):
        return {}
    return {
        key: value
        for key, value in metadata.items()
        if key.startswith("checksum ") and isinstance(value, str) and value != "<none>"
    }
