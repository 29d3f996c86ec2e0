"""An SPDX 2.3 (or 2.2) JSON SBOM made by another tool (syft, trivy, ...), for ``--merge``.

    {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
     "documentDescribes": ["SPDXRef-DocumentRoot-Directory-."],        <- optional
     "packages": [
       {"name": "ms", "SPDXID": "SPDXRef-Package-npm-ms-...", "versionInfo": "2.1.3",
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "MIT",
        "checksums": [{"algorithm": "SHA512", "checksumValue": "..."}],
        "externalRefs": [
          {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
           "referenceLocator": "cpe:2.3:a:ms:ms:2.1.3:*:*:*:*:*:*:*"},
          {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:npm/ms@2.1.3"}]},
       {"name": ".", "SPDXID": "SPDXRef-DocumentRoot-Directory-.", ...}],
     "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                        "relatedSpdxElement": "SPDXRef-DocumentRoot-Directory-."}]}

The package the document describes (syft's scanned directory or image) is what the SBOM is
about, not a dependency: it is skipped unless it has a purl (an SBOM of one package describes
that package, which is then a real component). The concluded licence wins over the declared
one; NOASSERTION and NONE are no licence.
"""

from __future__ import annotations

from typing import Any

from cipipe.readers.deps import ComponentKind, Dependency, DependencyFileError
from cipipe.readers.deps._common import (
    as_object,
    get_list,
    get_str,
    load_json_object,
    require_str,
    spdx_checksums,
    spdx_license,
)

# primaryPackagePurpose -> Dependency.kind (the rest are "library")
PURPOSES: dict[str, ComponentKind] = {
    "APPLICATION": "application",
    "FRAMEWORK": "framework",
    "LIBRARY": "library",
    "OPERATING-SYSTEM": "operating-system",
    "FIRMWARE": "firmware",
    "FILE": "file",
}
CPE_TYPES = ("cpe23Type", "cpe22Type")


def parse(text: str, *, source: str = "merged:sbom.spdx.json") -> list[Dependency]:
    """Every package except the described root, in document order."""
    document = load_json_object(text, "an SPDX JSON document")
    version = get_str(document, "spdxVersion", "spdxVersion")
    if version is None or not version.startswith("SPDX-2."):
        raise DependencyFileError(
            f"spdxVersion {version!r}: expected SPDX-2.2 or SPDX-2.3 (SPDX 3 is JSON-LD)"
        )
    described = _described(document)
    dependencies: list[Dependency] = []
    for i, item in enumerate(get_list(document, "packages", "packages")):
        where = f"packages[{i}]"
        package = as_object(item, where)
        purl, cpe = _references(package, where)
        spdx_id = package.get("SPDXID")
        if isinstance(spdx_id, str) and spdx_id in described and purl is None:
            continue
        licenses = spdx_license(get_str(package, "licenseConcluded", f"{where}.licenseConcluded"))
        if not licenses:
            licenses = spdx_license(get_str(package, "licenseDeclared", f"{where}.licenseDeclared"))
        purpose = get_str(package, "primaryPackagePurpose", f"{where}.primaryPackagePurpose")
        dependencies.append(
            Dependency(
                name=require_str(package, "name", f"{where}.name"),
                version=get_str(package, "versionInfo", f"{where}.versionInfo") or None,
                purl=purl,
                source=source,
                kind=PURPOSES.get(purpose or "", "library"),
                licenses=licenses,
                hashes=spdx_checksums(package, where),
                cpe=cpe,
            )
        )
    return dependencies


def _described(document: dict[str, Any]) -> set[str]:
    """SPDX ids the document describes (documentDescribes, or DESCRIBES relationships)."""
    described = {
        item
        for item in get_list(document, "documentDescribes", "documentDescribes")
        if isinstance(item, str)
    }
    document_id = document.get("SPDXID", "SPDXRef-DOCUMENT")
    for i, item in enumerate(get_list(document, "relationships", "relationships")):
        relationship = as_object(item, f"relationships[{i}]")
        kind = relationship.get("relationshipType")
        element = relationship.get("spdxElementId")
        related = relationship.get("relatedSpdxElement")
        if kind == "DESCRIBES" and element == document_id and isinstance(related, str):
            described.add(related)
        elif kind == "DESCRIBED_BY" and related == document_id and isinstance(element, str):
            described.add(element)
    return described


def _references(package: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """(first purl, first CPE) of the package's externalRefs."""
    purl: str | None = None
    cpe: str | None = None
    for i, item in enumerate(get_list(package, "externalRefs", f"{where}.externalRefs")):
        ref_where = f"{where}.externalRefs[{i}]"
        ref = as_object(item, ref_where)
        ref_type = get_str(ref, "referenceType", f"{ref_where}.referenceType")
        locator = get_str(ref, "referenceLocator", f"{ref_where}.referenceLocator")
        if not locator:
            continue
        if ref_type == "purl" and purl is None:
            purl = locator
        elif ref_type in CPE_TYPES and cpe is None:
            cpe = locator
    return purl, cpe
