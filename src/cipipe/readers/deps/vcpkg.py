"""vcpkg: the manifest (``vcpkg.json``, what is asked for) and the installed state
(``vcpkg_installed/<triplet>/share/<port>/vcpkg.spdx.json``, what was built).

The manifest rarely pins a version: ``version>=`` is a minimum and the real version comes from
the registry baseline, so a manifest dependency has no version unless an ``overrides`` entry
pins it. Each installed port writes an SPDX 2.2 document whose ``SPDXRef-port`` package has the
exact version; the sbom step prefers it (both give the same purl without version).

purl: ``pkg:vcpkg/<port>@<version>``, with the ``port_version`` qualifier when the port
revision is not 0, as the purl spec's vcpkg type defines them (vcpkg writes ``1.3.1#2``
for version 1.3.1, port-version 2). Baselines, triplets and features are properties: they
describe the build, not which upstream release it is.
"""

from __future__ import annotations

import re
from typing import Any

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import (
    as_object,
    get_list,
    get_object,
    get_str,
    json_type,
    load_json_object,
    make_purl,
    require_str,
    spdx_checksums,
    spdx_license,
)

_PORT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VERSION_KEYS = ("version", "version-semver", "version-date", "version-string")
CONSTRAINT_PROPERTY = "cipipe:version-constraint"
FEATURES_PROPERTY = "cipipe:vcpkg-features"
PLATFORM_PROPERTY = "cipipe:vcpkg-platform"
BASELINE_PROPERTY = "cipipe:vcpkg-baseline"
TRIPLET_PROPERTY = "cipipe:vcpkg-triplet"
ABI_PROPERTY = "cipipe:vcpkg-abi"
PORT_LOCATION_PROPERTY = "cipipe:vcpkg-port-location"
DOWNLOAD_PROPERTY = "cipipe:download-location"
NO_LOCATION = frozenset({"NOASSERTION", "NONE", ""})


def parse(text: str, *, source: str = "vcpkg.json") -> list[Dependency]:
    """The manifest's dependencies, in file order; host tools get scope "excluded"."""
    manifest = load_json_object(text, "a vcpkg.json manifest")
    baseline = _baseline(manifest)
    overrides = _overrides(manifest)
    dependencies: list[Dependency] = []
    for i, item in enumerate(get_list(manifest, "dependencies", "dependencies")):
        where = f"dependencies[{i}]"
        entry: dict[str, Any] = {"name": item} if isinstance(item, str) else as_object(item, where)
        name = _port_name(entry.get("name"), f"{where}.name")
        properties: list[tuple[str, str]] = []
        minimum = get_str(entry, "version>=", f"{where}.version>=")
        if minimum:
            properties.append((CONSTRAINT_PROPERTY, f">={minimum}"))
        features = _features(entry, where)
        if features:
            properties.append((FEATURES_PROPERTY, ",".join(features)))
        platform = get_str(entry, "platform", f"{where}.platform")
        if platform:
            properties.append((PLATFORM_PROPERTY, platform))
        if baseline:
            properties.append((BASELINE_PROPERTY, baseline))
        version, port_version = overrides.get(name, (None, None))
        dependencies.append(
            Dependency(
                name=name,
                version=version,
                purl=_purl(name, version, port_version),
                source=source,
                scope="excluded" if entry.get("host") is True else "required",
                properties=tuple(properties),
            )
        )
    return dependencies


def parse_installed_spdx(text: str, *, source: str = "vcpkg.spdx.json") -> list[Dependency]:
    """The one port an installed ``vcpkg.spdx.json`` describes, with its exact version,
    licence, triplet and the SHA-512 of the upstream sources vcpkg downloaded."""
    document = load_json_object(text, "a vcpkg.spdx.json document")
    packages = [
        as_object(item, f"packages[{i}]")
        for i, item in enumerate(get_list(document, "packages", "packages"))
    ]
    ports = [(i, p) for i, p in enumerate(packages) if p.get("SPDXID") == "SPDXRef-port"]
    if not ports:
        raise DependencyFileError(
            "no package with SPDXID SPDXRef-port: not an SBOM that vcpkg wrote for a port"
        )
    index, port = ports[0]
    where = f"packages[{index}]"
    name = _port_name(port.get("name"), f"{where}.name")
    version_info = require_str(port, "versionInfo", f"{where}.versionInfo")
    version, port_version = _split_port_version(version_info, f"{where}.versionInfo")
    licenses = spdx_license(get_str(port, "licenseConcluded", f"{where}.licenseConcluded"))
    if not licenses:
        licenses = spdx_license(get_str(port, "licenseDeclared", f"{where}.licenseDeclared"))

    properties: list[tuple[str, str]] = []
    hashes: list[tuple[str, str]] = []
    for i, package in enumerate(packages):
        spdx_id = package.get("SPDXID")
        if spdx_id == "SPDXRef-binary":
            binary_name = get_str(package, "name", f"packages[{i}].name") or ""
            _, _, triplet = binary_name.partition(":")
            if triplet:
                properties.append((TRIPLET_PROPERTY, triplet))
            abi = get_str(package, "versionInfo", f"packages[{i}].versionInfo")
            if abi:
                properties.append((ABI_PROPERTY, abi))
        elif isinstance(spdx_id, str) and spdx_id.startswith("SPDXRef-resource"):
            location = get_str(package, "downloadLocation", f"packages[{i}].downloadLocation")
            if location and location not in NO_LOCATION:
                properties.append((DOWNLOAD_PROPERTY, location))
            hashes.extend(spdx_checksums(package, f"packages[{i}]"))
    port_location = get_str(port, "downloadLocation", f"{where}.downloadLocation")
    if port_location and port_location not in NO_LOCATION:
        properties.append((PORT_LOCATION_PROPERTY, port_location))
    return [
        Dependency(
            name=name,
            version=version,
            purl=_purl(name, version, port_version),
            source=source,
            licenses=licenses,
            hashes=tuple(hashes),
            properties=tuple(properties),
        )
    ]


def _purl(name: str, version: str | None, port_version: int | None) -> str:
    qualifiers = {"port_version": str(port_version)} if port_version else None
    return make_purl("vcpkg", name, version, qualifiers=qualifiers)


def _port_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _PORT_NAME.fullmatch(value):
        raise DependencyFileError(
            f"{where}: {value!r} is not a vcpkg port name (lower-case letters, digits, dashes)"
        )
    return value


def _features(entry: dict[str, Any], where: str) -> list[str]:
    names: list[str] = []
    for i, feature in enumerate(get_list(entry, "features", f"{where}.features")):
        feature_where = f"{where}.features[{i}]"
        if isinstance(feature, dict):
            feature = feature.get("name")
        if not isinstance(feature, str) or not feature:
            raise DependencyFileError(f"{feature_where}: expected a feature name")
        names.append(feature)
    return names


def _overrides(manifest: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    """Port name -> (exact version, port-version) for every ``overrides`` entry."""
    pinned: dict[str, tuple[str, int | None]] = {}
    for i, item in enumerate(get_list(manifest, "overrides", "overrides")):
        where = f"overrides[{i}]"
        entry = as_object(item, where)
        name = _port_name(entry.get("name"), f"{where}.name")
        keys = [key for key in VERSION_KEYS if key in entry]
        if len(keys) != 1:
            raise DependencyFileError(f"{where}: expected exactly one of {', '.join(VERSION_KEYS)}")
        text = require_str(entry, keys[0], f"{where}.{keys[0]}")
        version, port_version = _split_port_version(text, f"{where}.{keys[0]}")
        explicit = entry.get("port-version")
        if explicit is not None:
            if isinstance(explicit, bool) or not isinstance(explicit, int) or explicit < 0:
                raise DependencyFileError(
                    f"{where}.port-version: expected a non-negative integer, "
                    f"found a {json_type(explicit)}"
                )
            port_version = explicit
        pinned[name] = (version, port_version)
    return pinned


def _baseline(manifest: dict[str, Any]) -> str | None:
    """The registry commit versions come from: ``builtin-baseline``, or the default registry's
    baseline of an embedded ``vcpkg-configuration``."""
    baseline = get_str(manifest, "builtin-baseline", "builtin-baseline")
    if baseline:
        return baseline
    configuration = get_object(manifest, "vcpkg-configuration", "vcpkg-configuration")
    if configuration is None:
        return None
    registry = get_object(configuration, "default-registry", "vcpkg-configuration.default-registry")
    if registry is None:
        return None
    return get_str(registry, "baseline", "vcpkg-configuration.default-registry.baseline")


def _split_port_version(text: str, where: str) -> tuple[str, int | None]:
    """ "1.3.1#2" -> ("1.3.1", 2); "1.3.1" -> ("1.3.1", None)."""
    version, hash_sign, port = text.partition("#")
    if not version or (hash_sign and not port.isdigit()):
        raise DependencyFileError(f"{where}: {text!r} is not a vcpkg version[#port-version]")
    return version, int(port) if hash_sign else None
