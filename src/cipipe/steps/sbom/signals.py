"""What a file's text says about the project it came from: a name and version in a header or a
CMake file, a licence by its text or its SPDX tags, the upstream a copied file names.

Only the first bytes of a file are read (a version macro or a licence notice sits at the top);
everything here is a hint for a person to confirm, which is why each finding keeps where it was
found and ``cipipe sbom --suggest`` prints that beside the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Names a macro prefix or CMake variable stands for, where the project's own name differs.
KNOWN_NAMES = {
    "fmt": "fmt",
    "gtest": "googletest",
    "googletest": "googletest",
    "gmock": "googletest",
    "catch": "catch2",
    "catch2": "catch2",
    "nlohmann_json": "nlohmann_json",
    "spdlog": "spdlog",
    "zlib": "zlib",
    "lwip": "lwip",
    "mbedtls": "mbedtls",
    "yaml_cpp": "yaml-cpp",
}
# A single integer version, by how the project encodes it (fmt: 100201 is 10.2.1).
INTEGER_VERSIONS = {"fmt": (10000, 100)}
HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp")
_STRING_VERSION = re.compile(
    r'^[ \t]*#[ \t]*define[ \t]+([A-Z][A-Z0-9_]*?)_VERSION(?:_STRING|_STR)?[ \t]+"v?'
    r'([0-9]+(?:\.[0-9]+){1,3})"',
    re.MULTILINE,
)
_INTEGER_VERSION = re.compile(
    r"^[ \t]*#[ \t]*define[ \t]+([A-Z][A-Z0-9_]*?)_VERSION[ \t]+([0-9]{3,9})[ \t]*(?://.*)?$",
    re.MULTILINE,
)
_PART = re.compile(
    r"^[ \t]*#[ \t]*define[ \t]+([A-Z][A-Z0-9_]*?)_(?:(?:VERSION|VER)_(MAJOR|MINOR|PATCH)"
    r"|(MAJOR|MINOR|PATCH)_VERSION)[ \t]+([0-9]{1,6})[ \t]*(?://.*)?$",
    re.MULTILINE,
)
_CMAKE_SET = re.compile(
    r"^[ \t]*set[ \t]*\([ \t]*([A-Za-z][A-Za-z0-9_]*?)_VERSION[ \t]+\"?"
    r"([0-9]+(?:\.[0-9]+){1,3})\"?[ \t]*\)",
    re.MULTILINE | re.IGNORECASE,
)
_CMAKE_PROJECT = re.compile(
    r"^[ \t]*project[ \t]*\([ \t]*([A-Za-z][A-Za-z0-9_.+-]{0,100})[^)]{0,400}?\bVERSION[ \t]+"
    r"([0-9]+(?:\.[0-9]+){1,3})\b",
    re.MULTILINE | re.IGNORECASE,
)
_UPSTREAM = re.compile(
    r"\b(?:cop(?:y|ied)|fork(?:ed)?|taken|vendored|imported|adapted|bundled|derived)\b"
    r"[^\n]{0,40}?\b(?:of|from)[ \t]+(https?://(?:github\.com|gitlab\.com|codeberg\.org)"
    r"/[A-Za-z0-9_.-]+/([A-Za-z0-9_.-]+?))(?:\.git)?(?=\.?(?:[\s/)>\]\"',;]|$))",
    re.IGNORECASE,
)
_SPDX_TAG = re.compile(
    r"SPDX-License-Identifier:[ \t]*([A-Za-z0-9 .+()-]{1,200}?)[ \t]*(?:\*/)?$", re.MULTILINE
)
# Distinctive sentences of the common licences (whitespace folded before matching).
LICENCE_TEXTS = (
    ("Apache-2.0", ("apache license", "version 2.0")),
    ("MIT", ("permission is hereby granted, free of charge",)),
    ("BSL-1.0", ("boost software license",)),
    ("MPL-2.0", ("mozilla public license version 2.0",)),
    ("Zlib", ("provided 'as-is', without any express or implied warranty",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
)


@dataclass(frozen=True)
class Version:
    name: str  # the project, lower case (a known name where the prefix is one)
    version: str
    evidence: str  # what was found, e.g. "#define FMT_VERSION 90100"


def normalised(name: str) -> str:
    """For comparing names: lower case, letters and digits only (YAML_CPP == yaml-cpp)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def project_name(prefix: str) -> str:
    key = prefix.lower()
    return KNOWN_NAMES.get(key, key.replace("_", "-"))


def header_versions(text: str) -> list[Version]:
    """Versions a header defines: a string, a known integer encoding, a major/minor/patch."""
    found = [
        Version(project_name(m[1]), m[2], f'#define {m[1]}_VERSION "{m[2]}"')
        for m in _STRING_VERSION.finditer(text)
    ]
    for match in _INTEGER_VERSION.finditer(text):
        encoding = INTEGER_VERSIONS.get(match[1].lower())
        if encoding:
            value, (major, minor) = int(match[2]), encoding
            version = f"{value // major}.{value % major // minor}.{value % minor}"
            found.append(
                Version(project_name(match[1]), version, f"#define {match[1]}_VERSION {match[2]}")
            )
    return found + _triples(text)


def _triples(text: str) -> list[Version]:
    parts: dict[str, dict[str, str]] = {}
    for match in _PART.finditer(text):
        parts.setdefault(match[1], {})[(match[2] or match[3]).lower()] = match[4]
    found = []
    for prefix, numbers in parts.items():
        if "major" in numbers and "minor" in numbers:
            version = ".".join(numbers[k] for k in ("major", "minor", "patch") if k in numbers)
            evidence = f"{prefix}_*MAJOR/MINOR{'/PATCH' if 'patch' in numbers else ''}"
            found.append(Version(project_name(prefix), version, evidence))
    return found


def cmake_versions(text: str) -> list[Version]:
    """``set(GOOGLETEST_VERSION 1.16.0)`` and ``project(name VERSION 1.2.3)`` with literals."""
    found = [
        Version(project_name(m[1]), m[2], f"set({m[1]}_VERSION {m[2]})")
        for m in _CMAKE_SET.finditer(text)
    ]
    found += [
        Version(project_name(m[1]), m[2], f"project({m[1]} VERSION {m[2]})")
        for m in _CMAKE_PROJECT.finditer(text)
    ]
    return found


def upstream(text: str) -> tuple[str, str] | None:
    """(URL, project name) when a header comment says the file is a copy of a repository."""
    match = _UPSTREAM.search(text)
    return (match[1], match[2].lower()) if match else None


def spdx_tags(text: str) -> list[str]:
    """The SPDX-License-Identifier values, each once, in order."""
    return list(dict.fromkeys(m[1].strip() for m in _SPDX_TAG.finditer(text)))


def licence_of(text: str) -> str | None:
    """The SPDX id of a licence file by its wording; None when none of the common ones."""
    folded = " ".join(text.lower().replace("\u2019", "'").split())
    for spdx, sentences in LICENCE_TEXTS:
        if all(sentence in folded for sentence in sentences):
            return spdx
    return None
