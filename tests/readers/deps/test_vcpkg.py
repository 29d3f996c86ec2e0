from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.vcpkg import parse, parse_installed_spdx
from tests.conftest import DATA

DEPS = DATA / "deps"
ZLIB_SPDX = DEPS / "vcpkg_installed" / "x64-linux" / "share" / "zlib" / "vcpkg.spdx.json"
BASELINE = ("cipipe:vcpkg-baseline", "98aa6396292d57e737a6ef999d4225ca488859d5")


def test_manifest() -> None:
    def dep(name: str, *properties: tuple[str, str], **fields: Any) -> Dependency:
        return Dependency(
            name=name,
            version=fields.get("version"),
            purl=fields.get("purl", f"pkg:vcpkg/{name}"),
            source="vcpkg.json",
            scope=fields.get("scope", "required"),
            properties=(*properties, BASELINE),
        )

    assert parse((DEPS / "vcpkg.json").read_text()) == [
        dep("zlib"),
        # the override pins what version>= only bounds
        dep(
            "fmt",
            ("cipipe:version-constraint", ">=10.1.1"),
            version="10.2.1",
            purl="pkg:vcpkg/fmt@10.2.1?port_version=2",
        ),
        dep(
            "openssl",
            ("cipipe:vcpkg-features", "tools"),
            ("cipipe:vcpkg-platform", "!windows"),
        ),
        dep("curl", ("cipipe:vcpkg-features", "openssl,http2")),
        dep("vcpkg-cmake", scope="excluded"),
    ]


def test_installed_spdx() -> None:
    assert parse_installed_spdx(ZLIB_SPDX.read_text()) == [
        Dependency(
            name="zlib",
            version="1.3.1",
            purl="pkg:vcpkg/zlib@1.3.1",
            source="vcpkg.spdx.json",
            licenses=("Zlib",),
            hashes=(
                (
                    "SHA-512",
                    "8c9642495bafd6fad4ab9fb67f09b268c69ff9af0f4f20cf15dfc18852ff1f312bd8ca41de"
                    "761b3f8d8e90e77d79f2ccacd3d4c5b19e475ecf09d021fdfe9088",
                ),
            ),
            properties=(
                ("cipipe:vcpkg-triplet", "x64-linux"),
                (
                    "cipipe:vcpkg-abi",
                    "f84144ed490e94dbed9e2fc67bb617bfebdab30b36e3786e8146e300181ae8b0",
                ),
                ("cipipe:download-location", "git+https://github.com/madler/zlib@v1.3.1"),
                ("cipipe:vcpkg-port-location", "git+https://github.com/Microsoft/vcpkg#ports/zlib"),
            ),
        )
    ]


def test_installed_port_version_and_declared_license() -> None:
    document = json.loads(ZLIB_SPDX.read_text())
    port = document["packages"][0]
    port.update(versionInfo="3.3.0#1", licenseConcluded="NOASSERTION", licenseDeclared="BSD-3")
    [found] = parse_installed_spdx(json.dumps(document), source="x64-linux/share/zlib")
    assert (found.version, found.purl, found.licenses, found.source) == (
        "3.3.0",
        "pkg:vcpkg/zlib@3.3.0?port_version=1",
        ("BSD-3",),
        "x64-linux/share/zlib",
    )


def test_manifest_configuration_baseline_and_minimal() -> None:
    manifest = {
        "dependencies": ["fmt"],
        "vcpkg-configuration": {"default-registry": {"kind": "git", "baseline": "41dfc53"}},
    }
    [fmt] = parse(json.dumps(manifest))
    assert fmt.properties == (("cipipe:vcpkg-baseline", "41dfc53"),)
    assert parse("{}") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"dependencies": ["zlib"', "invalid JSON at line 1"),
        ('["zlib"]', "found a JSON array"),
        ('{"dependencies": {"zlib": {}}}', "dependencies: expected an array"),
        ('{"dependencies": ["Zlib"]}', r"dependencies\[0\]\.name: 'Zlib' is not a vcpkg port"),
        ('{"dependencies": [{"version>=": "1"}]}', r"dependencies\[0\]\.name: None"),
        ('{"dependencies": [{"name": "a", "features": [1]}]}', r"features\[0\]: expected"),
        ('{"overrides": [{"name": "fmt"}]}', r"overrides\[0\]: expected exactly one of"),
        ('{"overrides": [{"name": "fmt", "version": "1#x"}]}', "not a vcpkg version"),
        ('{"overrides": [{"name": "fmt", "version": "1", "port-version": "2"}]}', "port-version"),
    ],
)
def test_malformed_manifest(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ZLIB_SPDX.read_text()[:300], "invalid JSON"),
        ('"SPDX-2.2"', "found a JSON string"),
        ('{"spdxVersion": "SPDX-2.2", "packages": []}', "no package with SPDXID SPDXRef-port"),
        ('{"packages": [{"SPDXID": "SPDXRef-port", "name": "zlib"}]}', "versionInfo: missing"),
    ],
)
def test_malformed_installed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse_installed_spdx(text)


ports = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        ports,
        st.tuples(st.booleans(), st.none() | st.tuples(versions, st.integers(0, 9))),
        max_size=6,
    )
)
def test_manifest_round_trip(
    wanted: dict[str, tuple[bool, tuple[str, int] | None]],
) -> None:
    manifest = {
        "dependencies": [
            {"name": name, "host": True} if host else name for name, (host, _) in wanted.items()
        ],
        "overrides": [
            {"name": name, "version": version, "port-version": port}
            for name, (_, pin) in wanted.items()
            if pin
            for version, port in [pin]
        ],
    }
    found = parse(json.dumps(manifest, indent=2))
    expected = []
    for name, (host, pin) in wanted.items():
        version, port = pin or (None, 0)
        purl = f"pkg:vcpkg/{name}" + (f"@{version}" if version else "")
        purl += f"?port_version={port}" if port else ""
        expected.append((name, version, purl, "excluded" if host else "required"))
    assert [(d.name, d.version, d.purl, d.scope) for d in found] == expected
