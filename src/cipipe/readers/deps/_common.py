"""Small pieces the dependency readers share: JSON loading with clear errors, typed look-ups
that say where a value was wrong, purl building, and SPDX's checksum and licence vocabulary.

Every error raised here is a DependencyFileError whose message names the JSON path
(``packages[3].versionInfo``) or the line, because the user has to find the spot in a file
that a tool wrote, often hundreds of lines long.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packageurl import PackageURL

from cipipe.contracts.loading import parse_json
from cipipe.errors import InputError
from cipipe.readers.deps import DependencyFileError

# SPDX 2.x checksum algorithm names -> CycloneDX hash algorithm names (what Dependency holds).
SPDX_TO_CYCLONEDX_HASH = {
    "MD5": "MD5",
    "SHA1": "SHA-1",
    "SHA256": "SHA-256",
    "SHA384": "SHA-384",
    "SHA512": "SHA-512",
    "SHA3-256": "SHA3-256",
    "SHA3-384": "SHA3-384",
    "SHA3-512": "SHA3-512",
    "BLAKE2b-256": "BLAKE2b-256",
    "BLAKE2b-384": "BLAKE2b-384",
    "BLAKE2b-512": "BLAKE2b-512",
    "BLAKE3": "BLAKE3",
}
# SPDX's "no information" values: not licences.
SPDX_NO_LICENSE = frozenset({"NOASSERTION", "NONE", ""})


def load_json(text: str, what: str) -> Any:
    """The parsed document; a truncated or non-JSON file says so with its line and column.

    The same limits as cipipe's own files: no NaN, no number that overflows, no NUL or lone
    surrogate, nothing nested past the depth the recursive readers can follow."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DependencyFileError(f"empty file, expected {what}")
    try:
        return parse_json(text, what)
    except InputError as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise DependencyFileError(f"{where}{exc.detail} (expected {what})") from None


def load_json_object(text: str, what: str) -> dict[str, Any]:
    document = load_json(text, what)
    if not isinstance(document, dict):
        raise DependencyFileError(
            f"expected {what} (a JSON object), found a JSON {json_type(document)}"
        )
    return document


def json_type(value: object) -> str:
    """JSON's name for the type of a parsed value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def get_object(parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DependencyFileError(f"{where}: expected an object, found a {json_type(value)}")
    return value


def get_list(parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """The array at ``key``; a missing or null key is an empty array."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DependencyFileError(f"{where}: expected an array, found a {json_type(value)}")
    return value


def get_str(parent: Mapping[str, Any], key: str, where: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DependencyFileError(f"{where}: expected a string, found a {json_type(value)}")
    return value


def require_str(parent: Mapping[str, Any], key: str, where: str) -> str:
    value = get_str(parent, key, where)
    if not value:
        raise DependencyFileError(f"{where}: missing")
    return value


def as_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DependencyFileError(f"{where}: expected an object, found a {json_type(value)}")
    return value


def make_purl(
    type_: str,
    name: str,
    version: str | None = None,
    *,
    namespace: str | None = None,
    qualifiers: Mapping[str, str | None] | None = None,
) -> str:
    """A canonical purl string; qualifiers whose value is None or empty are left out."""
    kept = {k: v for k, v in (qualifiers or {}).items() if v}
    try:
        purl: str = PackageURL(
            type=type_, namespace=namespace, name=name, version=version, qualifiers=kept or None
        ).to_string()
    except ValueError as exc:
        raise DependencyFileError(f"{name!r} gives no valid purl: {exc}") from None
    return purl


def spdx_license(value: str | None) -> tuple[str, ...]:
    """An SPDX licence field as Dependency.licenses: empty for NOASSERTION / NONE."""
    if value is None or value.strip() in SPDX_NO_LICENSE:
        return ()
    return (value.strip(),)


def spdx_checksums(package: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """SPDX ``checksums`` as (CycloneDX algorithm, lower-case hex); unknown algorithms dropped."""
    hashes: list[tuple[str, str]] = []
    for i, item in enumerate(get_list(package, "checksums", f"{where}.checksums")):
        entry = as_object(item, f"{where}.checksums[{i}]")
        algorithm = require_str(entry, "algorithm", f"{where}.checksums[{i}].algorithm")
        value = require_str(entry, "checksumValue", f"{where}.checksums[{i}].checksumValue")
        if algorithm in SPDX_TO_CYCLONEDX_HASH:
            hashes.append((SPDX_TO_CYCLONEDX_HASH[algorithm], value.lower()))
    return tuple(hashes)
