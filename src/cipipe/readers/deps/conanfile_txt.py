"""conanfile.txt (conan 1 and 2): the references a project asks for, not what was resolved.

    [requires]
    fmt/10.2.1
    zlib/1.3.1@acme/stable
    openssl/[>=3.0 <4]
    spdlog/1.13.0#d15a1f0c65fd52ed025771190225347d

    [tool_requires]
    cmake/3.28.1

``[requires]`` are what the program links (scope "required"); ``[tool_requires]``, conan 1's
``[build_requires]`` and ``[test_requires]`` only run or test the build (scope "excluded").
Other sections (generators, options, layout, ...) name no packages and are skipped. A line
starting with ``#`` is a comment; a ``#`` inside a reference is its recipe revision.
A version range gives no version (see ``_conan``): the lock file has the resolved one.
"""

from __future__ import annotations

import re
from typing import Literal

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._conan import parse_reference

SECTION_SCOPES: dict[str, Literal["required", "excluded"]] = {
    "requires": "required",
    "tool_requires": "excluded",
    "build_requires": "excluded",
    "test_requires": "excluded",
}
_SECTION = re.compile(r"\[([A-Za-z_][A-Za-z0-9_.-]*)\]")


def parse(text: str, *, source: str = "conanfile.txt") -> list[Dependency]:
    """Every reference of the requirement sections, in file order."""
    dependencies: list[Dependency] = []
    section: str | None = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.fullmatch(line)
        if header:
            section = header[1]
            continue
        if section is None:
            raise DependencyFileError(
                f"line {number}: {line!r} is outside any [section]; not a conanfile.txt"
            )
        scope = SECTION_SCOPES.get(section)
        if scope is None:
            continue
        reference = parse_reference(line)
        if reference is None:
            raise DependencyFileError(
                f"line {number} in [{section}]: {line!r} is not a conan reference "
                "(name/version[@user/channel][#revision])"
            )
        dependencies.append(
            Dependency(
                name=reference.name,
                version=reference.version,
                purl=reference.purl,
                source=source,
                scope=scope,
                properties=reference.properties,
            )
        )
    return dependencies
