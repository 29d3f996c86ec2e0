"""npm's package-lock.json (and npm-shrinkwrap.json): every installed package, exactly.

Lockfile v2 and v3 (npm 7+) key packages by install path::

    "packages": {
      "": {"name": "app", ...},                                   <- the project itself
      "node_modules/@babel/helper-validator-identifier": {"version": "7.22.20",
          "integrity": "sha512-Y4OZ...", "license": "MIT"},
      "node_modules/debug/node_modules/ms": {"version": "2.1.2", ...},
      "node_modules/@types/ms": {"version": "0.7.34", "dev": true, ...}}

Lockfile v1 (npm 5 and 6) nests the same facts under ``dependencies``, keyed by name. v2 has
both; its ``packages`` wins. Entries outside ``node_modules`` (workspaces) and links are the
project's own code and are skipped.

The scope of an npm name is the purl namespace and the CycloneDX group (``@babel``);
``integrity`` (base64 SRI) becomes a hex hash; a dev or optional package gets scope
"optional". npm writes one entry per copy on disk, so one package can appear with two
versions; the property ``cipipe:npm-path`` says which copy.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any, Literal

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import (
    as_object,
    get_object,
    get_str,
    load_json_object,
    make_purl,
)

# SRI algorithm -> CycloneDX name
SRI_ALGORITHMS = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
PATH_PROPERTY = "cipipe:npm-path"
LOCATION_PROPERTY = "cipipe:download-location"
NODE_MODULES = "node_modules/"


def parse(text: str, *, source: str = "package-lock.json") -> list[Dependency]:
    """Every installed package, in the order of the lockfile."""
    lock = load_json_object(text, "an npm package-lock.json")
    version = lock.get("lockfileVersion")
    if isinstance(version, bool) or version not in (1, 2, 3):
        raise DependencyFileError(
            f"lockfileVersion {version!r}: expected 1, 2 or 3 (is this an npm package-lock.json?)"
        )
    packages = get_object(lock, "packages", "packages")
    if packages is not None:
        return [
            dep
            for path, entry in packages.items()
            if (dep := _from_packages(path, as_object(entry, f"packages[{path!r}]"), source))
        ]
    if version != 1:
        raise DependencyFileError(f"lockfileVersion {version}: no packages")
    dependencies = get_object(lock, "dependencies", "dependencies") or {}
    return [
        _dependency(name, entry, path, f"dependencies[{path!r}]", source)
        for name, entry, path in _walk_v1(dependencies, "")
    ]


def _from_packages(path: str, entry: dict[str, Any], source: str) -> Dependency | None:
    if NODE_MODULES not in path:
        return None  # the root ("") or a workspace: the project's own code
    if entry.get("link") is True:
        return None  # a symlink to a workspace, listed again under its own path
    installed_as = path.rsplit(NODE_MODULES, 1)[-1]
    name = get_str(entry, "name", f"packages[{path!r}].name") or installed_as
    return _dependency(name, entry, path, f"packages[{path!r}]", source)


def _walk_v1(tree: dict[str, Any], parent: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    for name, value in tree.items():
        path = f"{parent}{NODE_MODULES}{name}"
        entry = as_object(value, f"dependencies[{path!r}]")
        yield name, entry, path
        nested = get_object(entry, "dependencies", f"dependencies[{path!r}].dependencies")
        if nested:
            yield from _walk_v1(nested, f"{path}/")


def _dependency(name: str, entry: dict[str, Any], path: str, where: str, source: str) -> Dependency:
    version = get_str(entry, "version", f"{where}.version")
    if version and version.startswith("npm:"):
        # a v1 alias: "my-ms": {"version": "npm:ms@2.1.3"}
        name, _, version = version.removeprefix("npm:").rpartition("@")
    resolved = get_str(entry, "resolved", f"{where}.resolved")
    properties: list[tuple[str, str]] = [(PATH_PROPERTY, path)]
    if version and not _is_registry_version(version):
        # v1 writes a git or file dependency's source as its "version"
        resolved, version = resolved or version, None
    if resolved and not resolved.startswith(("http://", "https://")):
        properties.append((LOCATION_PROPERTY, resolved))
    scope_name, slash, bare = name.rpartition("/")
    if not bare or (slash and not scope_name.startswith("@")):
        raise DependencyFileError(f"{where}: {name!r} is not an npm package name")
    group = scope_name or None
    integrity = get_str(entry, "integrity", f"{where}.integrity")
    license_value = entry.get("license")
    scope: Literal["required", "optional"] = (
        "optional"
        if any(entry.get(k) is True for k in ("dev", "optional", "devOptional"))
        else "required"
    )
    return Dependency(
        name=bare,
        version=version,
        purl=make_purl("npm", bare, version, namespace=group),
        source=source,
        group=group,
        licenses=(license_value,) if isinstance(license_value, str) and license_value else (),
        hashes=_integrity(integrity, f"{where}.integrity") if integrity else (),
        scope=scope,
        properties=tuple(properties),
    )


def _is_registry_version(version: str) -> bool:
    return version[:1].isdigit() and ":" not in version and "/" not in version


def _integrity(value: str, where: str) -> tuple[tuple[str, str], ...]:
    """Subresource Integrity (``sha512-<base64>``, several separated by spaces) as hex."""
    hashes: list[tuple[str, str]] = []
    for item in value.split():
        algorithm, dash, digest = item.partition("-")
        if not dash:
            raise DependencyFileError(f"{where}: {item!r} is not algorithm-base64")
        if algorithm not in SRI_ALGORITHMS:
            continue
        try:
            raw = base64.b64decode(digest.split("?")[0], validate=True)
        except (binascii.Error, ValueError):
            raise DependencyFileError(f"{where}: {item!r} is not valid base64") from None
        hashes.append((SRI_ALGORITHMS[algorithm], raw.hex()))
    return tuple(hashes)
