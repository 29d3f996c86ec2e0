"""A CycloneDX JSON SBOM made by another tool (syft, cdxgen, ...), for ``cipipe sbom --merge``.

Specs 1.4 to 1.7 describe a component alike for what cipipe keeps::

    {"bomFormat": "CycloneDX", "specVersion": "1.7",
     "metadata": {"component": {...}},              <- what the SBOM is about: not a dependency
     "components": [
       {"type": "library", "group": "@babel", "name": "code-frame", "version": "7.24.2",
        "purl": "pkg:npm/%40babel/code-frame@7.24.2", "cpe": "cpe:2.3:a:...",
        "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "custom"}},
                     {"expression": "MIT OR Apache-2.0"}],
        "hashes": [{"alg": "SHA-512", "content": "..."}],
        "components": [...]}]}                        <- nested components count too

The source of each dependency is the caller's ``merged:<file name>``. Component types that
Dependency has no kind for (container, platform, data, ...) become "library" and keep their
type as the property ``cipipe:cyclonedx-type``; 1.7's ``versionRange`` (a component not
pinned to a version) is kept as ``cipipe:version-range``.
"""

from __future__ import annotations

from typing import Any, Literal, cast, get_args

from cipipe.readers.deps import ComponentKind, Dependency, DependencyFileError
from cipipe.readers.deps._common import (
    as_object,
    get_list,
    get_str,
    load_json_object,
    require_str,
)

KINDS = frozenset(get_args(ComponentKind))
SCOPES = frozenset({"required", "optional", "excluded"})
TYPE_PROPERTY = "cipipe:cyclonedx-type"
VERSION_RANGE_PROPERTY = "cipipe:version-range"


def parse(text: str, *, source: str = "merged:bom.cdx.json") -> list[Dependency]:
    """Every component, depth first in document order; the BOM's own subject is left out."""
    bom = load_json_object(text, "a CycloneDX JSON SBOM")
    if bom.get("bomFormat") != "CycloneDX":
        raise DependencyFileError(f"bomFormat is {bom.get('bomFormat')!r}, expected 'CycloneDX'")
    spec = get_str(bom, "specVersion", "specVersion")
    if spec is None or not spec.startswith("1."):
        raise DependencyFileError(f"specVersion {spec!r}: expected a CycloneDX 1.x version")
    dependencies: list[Dependency] = []
    _collect(get_list(bom, "components", "components"), "components", source, dependencies)
    return dependencies


def _collect(components: list[Any], where: str, source: str, into: list[Dependency]) -> None:
    for i, item in enumerate(components):
        item_where = f"{where}[{i}]"
        component = as_object(item, item_where)
        into.append(_dependency(component, item_where, source))
        nested = get_list(component, "components", f"{item_where}.components")
        _collect(nested, f"{item_where}.components", source, into)


def _dependency(component: dict[str, Any], where: str, source: str) -> Dependency:
    name = require_str(component, "name", f"{where}.name")
    component_type = get_str(component, "type", f"{where}.type") or "library"
    properties: list[tuple[str, str]] = []
    if component_type in KINDS:
        kind = cast(ComponentKind, component_type)
    else:
        kind = "library"
        properties.append((TYPE_PROPERTY, component_type))
    version_range = get_str(component, "versionRange", f"{where}.versionRange")
    if version_range:
        properties.append((VERSION_RANGE_PROPERTY, version_range))
    scope = get_str(component, "scope", f"{where}.scope")
    # The document's own properties travel along (a submodule's path, syft's findings), but
    # not a previous cipipe:source: the source is now this merge.
    for index, prop in enumerate(get_list(component, "properties", where)):
        entry = as_object(prop, f"{where}.properties[{index}]")
        key = get_str(entry, "name", f"{where}.properties[{index}].name")
        value = get_str(entry, "value", f"{where}.properties[{index}].value")
        if key and value is not None and key != "cipipe:source":
            properties.append((key, value))
    return Dependency(
        name=name,
        version=get_str(component, "version", f"{where}.version") or None,
        purl=get_str(component, "purl", f"{where}.purl") or None,
        source=source,
        kind=kind,
        group=get_str(component, "group", f"{where}.group") or None,
        licenses=_licenses(component, where),
        hashes=_hashes(component, where),
        cpe=get_str(component, "cpe", f"{where}.cpe") or None,
        scope=cast(Literal["required", "optional", "excluded"], scope) if scope in SCOPES else None,
        properties=tuple(properties),
    )


def _licenses(component: dict[str, Any], where: str) -> tuple[str, ...]:
    found: list[str] = []
    for i, item in enumerate(get_list(component, "licenses", f"{where}.licenses")):
        item_where = f"{where}.licenses[{i}]"
        choice = as_object(item, item_where)
        expression = get_str(choice, "expression", f"{item_where}.expression")
        if expression:
            found.append(expression)
            continue
        license_ = choice.get("license")
        if license_ is None:
            raise DependencyFileError(f"{item_where}: neither license nor expression")
        license_obj = as_object(license_, f"{item_where}.license")
        text = get_str(license_obj, "id", f"{item_where}.license.id") or get_str(
            license_obj, "name", f"{item_where}.license.name"
        )
        if not text:
            raise DependencyFileError(f"{item_where}.license: neither id nor name")
        found.append(text)
    return tuple(found)


def _hashes(component: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    hashes: list[tuple[str, str]] = []
    for i, item in enumerate(get_list(component, "hashes", f"{where}.hashes")):
        item_where = f"{where}.hashes[{i}]"
        entry = as_object(item, item_where)
        hashes.append(
            (
                require_str(entry, "alg", f"{item_where}.alg"),
                require_str(entry, "content", f"{item_where}.content").lower(),
            )
        )
    return tuple(hashes)
