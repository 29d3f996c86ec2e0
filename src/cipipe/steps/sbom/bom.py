"""The CycloneDX 1.6 document: built with cyclonedx-python-lib, checked by its strict validator.

Reproducible by construction: the serial number is derived from the build id (uuid5), the
timestamp is the commit time, every bom-ref is derived from the component, and the library
sorts components, so the same inputs give the same bytes. The version counts the revisions
under that serial number (``versioning``): a rerun with other content is the next one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from cipipe import __version__
from cipipe.contracts.artifacts import Artifact
from cipipe.readers.deps import Dependency
from cipipe.steps.sbom.diff import identity
from cipipe.steps.sbom.versioning import bom_version

SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cipipe.dev/sbom")
KIND_TO_TYPE = {
    "firmware": ComponentType.FIRMWARE,
    "driver": ComponentType.DEVICE_DRIVER,
    "service": ComponentType.APPLICATION,
    "user-space": ComponentType.APPLICATION,
}
SCOPES = {
    "required": ComponentScope.REQUIRED,
    "optional": ComponentScope.OPTIONAL,
    "excluded": ComponentScope.EXCLUDED,
}
HASH_ALGORITHMS = {alg.value: alg for alg in HashAlgorithm}
# CycloneDX 1.6: "library" is a software library, linked by an application; a static or
# shared library is one whatever the service's kind, so its artifact is not an application.
LIBRARY_NAME = re.compile(r".+\.(?:a|lib|dll|dylib|so(?:\.[0-9]+)*)", re.IGNORECASE)


class InvalidBom(Exception):
    """cipipe produced a BOM the CycloneDX schema rejects: a bug, never the user's input."""


def combine(exact: Iterable[Dependency], loose: Iterable[Dependency] = ()) -> list[Dependency]:
    """Exact components (lock files, installed state, submodules, vendored code), each
    version once: two versions of one package are two components. A manifest entry (loose)
    counts only for a package no exact source names."""
    kept: dict[tuple[str, str | None], Dependency] = {}
    for dep in exact:
        kept.setdefault((identity(dep), dep.version), dep)
    named = {key for key, _ in kept}
    for dep in loose:
        if identity(dep) not in named:
            kept.setdefault((identity(dep), None), dep)
            named.add(identity(dep))
    return list(kept.values())


def _purl(text: str | None) -> PackageURL | None:
    if not text:
        return None
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _component(dep: Dependency, licenses: LicenseFactory) -> Component:
    purl = _purl(dep.purl)
    bom_ref = dep.purl if purl else f"{dep.source}:{identity(dep)}@{dep.version or ''}"
    return Component(
        name=dep.name,
        version=dep.version,
        group=dep.group,
        type=ComponentType(dep.kind),
        purl=purl,
        bom_ref=bom_ref,
        cpe=dep.cpe,
        scope=SCOPES.get(dep.scope) if dep.scope else None,
        licenses=[licenses.make_from_string(text) for text in dep.licenses],
        hashes=[
            HashType(alg=HASH_ALGORITHMS[alg], content=value)
            for alg, value in dep.hashes
            if alg in HASH_ALGORITHMS
        ],
        properties=[
            Property(name="cipipe:source", value=dep.source),
            *(Property(name=k, value=v) for k, v in dep.properties),
        ],
    )


def artifact_type(name: str, kind: str) -> ComponentType:
    """``library`` for a .a / .so[.N] / .lib / .dll / .dylib, else what the service's kind says."""
    if LIBRARY_NAME.fullmatch(name):
        return ComponentType.LIBRARY
    return KIND_TO_TYPE.get(kind, ComponentType.APPLICATION)


def _artifact_component(artifact: Artifact, kind: str, commit: str) -> Component:
    return Component(
        name=artifact.name,
        version=commit,
        type=artifact_type(artifact.name, kind),
        bom_ref=f"artifact:{artifact.name}",
        purl=PackageURL(type="generic", name=artifact.name, version=commit),
        hashes=[
            HashType(alg=HashAlgorithm.SHA_256, content=artifact.sha256),
            HashType(alg=HashAlgorithm.SHA_1, content=artifact.sha1),
            HashType(alg=HashAlgorithm.MD5, content=artifact.md5),
        ],
        properties=[
            Property(name="cipipe:platform", value=artifact.platform),
            Property(name="cipipe:size", value=str(artifact.size)),
        ],
    )


def build_bom(
    *,
    service: str,
    kind: str,
    commit: str,
    build_id: str,
    timestamp: datetime,
    dependencies: Sequence[Dependency],
    artifacts: Sequence[Artifact],
    previous: Mapping[str, Any] | None = None,
) -> str:
    """The BOM as JSON text; ``previous`` is the BOM a rerun of this build wrote before (the
    JSON object), which sets the version."""
    root = Component(
        name=service,
        version=commit,
        type=KIND_TO_TYPE.get(kind, ComponentType.APPLICATION),
        bom_ref=f"{service}@{commit}",
    )
    tool = Component(
        name="cipipe", version=__version__, type=ComponentType.APPLICATION, bom_ref="tool:cipipe"
    )
    metadata = BomMetaData(timestamp=timestamp, component=root)
    metadata.tools.components.add(tool)
    bom = Bom(
        serial_number=uuid.uuid5(SERIAL_NAMESPACE, f"{service}/{build_id}"), metadata=metadata
    )
    licenses = LicenseFactory()
    components = [_component(d, licenses) for d in dependencies]
    components += [_artifact_component(a, kind, commit) for a in artifacts]
    for component in components:
        bom.components.add(component)
    bom.register_dependency(root, components)
    text = JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
    version = bom_version(json.loads(text), previous)
    if version != bom.version:
        bom.version = version
        text = JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise InvalidBom(f"the SBOM fails CycloneDX 1.6 validation: {error}")
    return str(text)
