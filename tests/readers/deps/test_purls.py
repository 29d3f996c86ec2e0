"""What the sbom step relies on across readers: every purl is canonical (so equal packages
compare equal as strings), and a manifest and its lock file or installed state name a package
with the same purl once version and qualifiers are dropped (so the exact source can win)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from packageurl import PackageURL

from cipipe.readers.deps import (
    Dependency,
    cargo_lock,
    conan_lock,
    conanfile_txt,
    cyclonedx_json,
    go_mod,
    package_lock,
    requirements_txt,
    spdx_json,
    vcpkg,
)
from tests.conftest import DATA

DEPS = DATA / "deps"
Reader = Callable[[str], list[Dependency]]
FIXTURES: list[tuple[str, Reader]] = [
    ("conanfile.txt", conanfile_txt.parse),
    ("conan-v1.lock", conan_lock.parse),
    ("conan-v2.lock", conan_lock.parse),
    ("vcpkg.json", vcpkg.parse),
    ("vcpkg_installed/x64-linux/share/zlib/vcpkg.spdx.json", vcpkg.parse_installed_spdx),
    ("requirements.txt", requirements_txt.parse),
    ("package-lock-v1.json", package_lock.parse),
    ("package-lock-v3.json", package_lock.parse),
    ("go.mod", go_mod.parse),
    ("Cargo.lock", cargo_lock.parse),
    ("syft-cyclonedx-1.7.json", cyclonedx_json.parse),
    ("syft-spdx-2.3.json", spdx_json.parse),
]


def identity(purl: str) -> str:
    parsed = PackageURL.from_string(purl)
    return str(PackageURL(type=parsed.type, namespace=parsed.namespace, name=parsed.name))


@pytest.mark.parametrize(("name", "reader"), FIXTURES, ids=[f for f, _ in FIXTURES])
def test_purls_are_canonical(name: str, reader: Reader) -> None:
    found = reader((DEPS / name).read_text())
    assert found
    for dependency in found:
        if dependency.purl is not None:
            assert PackageURL.from_string(dependency.purl).to_string() == dependency.purl


def test_manifest_and_exact_source_share_identities() -> None:
    conanfile = {
        identity(d.purl or "") for d in conanfile_txt.parse((DEPS / "conanfile.txt").read_text())
    }
    locked = {
        identity(d.purl or "") for d in conan_lock.parse((DEPS / "conan-v2.lock").read_text())
    }
    assert conanfile <= locked
    manifest = {
        d.purl: identity(d.purl or "") for d in vcpkg.parse((DEPS / "vcpkg.json").read_text())
    }
    [installed] = vcpkg.parse_installed_spdx(
        (DEPS / "vcpkg_installed/x64-linux/share/zlib/vcpkg.spdx.json").read_text()
    )
    assert identity(installed.purl or "") == manifest["pkg:vcpkg/zlib"]
