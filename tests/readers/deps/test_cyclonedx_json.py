from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.cyclonedx_json import parse
from tests.conftest import DATA

DEPS = DATA / "deps"
SOURCE = "merged:syft-cyclonedx-1.7.json"


def test_syft_cyclonedx_1_7() -> None:
    def dep(
        name: str, version: str, purl: str | None, cpe: str | None, **fields: Any
    ) -> Dependency:
        return Dependency(name=name, version=version, purl=purl, cpe=cpe, source=SOURCE, **fields)

    found = parse((DEPS / "syft-cyclonedx-1.7.json").read_text(), source=SOURCE)
    # syft's own properties travel along; the rest of each component is compared below.
    assert ("syft:package:foundBy", "javascript-lock-cataloger") in found[0].properties
    syft_free = [
        replace(d, properties=tuple(p for p in d.properties if not p[0].startswith("syft:")))
        for d in found
    ]
    assert syft_free == [
        # syft writes the scoped npm name whole and no group
        dep(
            "@babel/helper-validator-identifier",
            "7.22.20",
            "pkg:npm/%40babel/helper-validator-identifier@7.22.20",
            "cpe:2.3:a:babel\\/helper-validator-identifier:babel\\/helper-validator-identifier"
            ":7.22.20:*:*:*:*:*:*:*",
            licenses=("MIT",),
        ),
        dep(
            "debug",
            "4.3.4",
            "pkg:npm/debug@4.3.4",
            "cpe:2.3:a:debug_project:debug:4.3.4:*:*:*:*:*:*:*",
            licenses=("MIT",),
        ),
        dep(
            "ms",
            "2.1.3",
            "pkg:npm/ms@2.1.3",
            "cpe:2.3:a:ms:ms:2.1.3:*:*:*:*:*:*:*",
            licenses=("MIT",),
        ),
        dep(
            "github.com/stretchr/testify",
            "v1.9.0",
            "pkg:golang/github.com/stretchr/testify@v1.9.0",
            "cpe:2.3:a:stretchr:testify:v1.9.0:*:*:*:*:*:*:*",
            licenses=("MIT",),
            hashes=(
                ("SHA-256", "1edaa92150c2959e27c20ef9f9fe8bbeccbfc07bbedc1a121826c101ca53b138"),
            ),
        ),
        dep(
            "cryptography",
            "42.0.5",
            "pkg:pypi/cryptography@42.0.5",
            "cpe:2.3:a:cryptography_project:cryptography:42.0.5:*:*:*:*:python:*:*",
            licenses=("Apache-2.0 OR BSD-3-Clause",),
        ),
        dep(
            "libssl3",
            "3.0.11-1~deb12u2",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*",
            licenses=("Apache-2.0", "Artistic"),
        ),
        dep("debian", "12", None, None, kind="operating-system"),
    ]


def test_nested_components_groups_scopes_and_other_types() -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "metadata": {"tools": [{"vendor": "acme", "name": "scanner"}], "component": {"name": "x"}},
        "components": [
            {
                "type": "framework",
                "group": "org.springframework",
                "name": "spring-core",
                "version": "6.1.4",
                "purl": "pkg:maven/org.springframework/spring-core@6.1.4",
                "scope": "optional",
                "hashes": [{"alg": "SHA-1", "content": "ABCDEF"}],
                "components": [
                    {
                        "type": "library",
                        "name": "shaded-asm",
                        "version": "9.6",
                        "scope": "excluded",
                        "components": [{"type": "data", "name": "tables"}],
                    }
                ],
            },
            {"type": "container", "name": "base", "versionRange": "vers:oci/>=1.0"},
        ],
    }
    found = parse(json.dumps(bom), source="merged:scanner.json")
    assert [(d.name, d.group, d.version, d.kind, d.scope, d.properties) for d in found] == [
        ("spring-core", "org.springframework", "6.1.4", "framework", "optional", ()),
        ("shaded-asm", None, "9.6", "library", "excluded", ()),
        ("tables", None, None, "library", None, (("cipipe:cyclonedx-type", "data"),)),
        (
            "base",
            None,
            None,
            "library",
            None,
            (("cipipe:cyclonedx-type", "container"), ("cipipe:version-range", "vers:oci/>=1.0")),
        ),
    ]
    assert found[0].hashes == (("SHA-1", "abcdef"),)
    assert {d.source for d in found} == {"merged:scanner.json"}


@pytest.mark.parametrize("spec", ["1.4", "1.5", "1.6", "1.7"])
def test_each_spec_version(spec: str) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "components": [
            {
                "type": "library",
                "name": "zlib",
                "version": "1.3.1",
                "licenses": [{"license": {"name": "zlib license"}}],
            }
        ],
    }
    [zlib] = parse(json.dumps(bom))
    assert (zlib.name, zlib.licenses, zlib.source) == (
        "zlib",
        ("zlib license",),
        "merged:bom.cdx.json",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ((DEPS / "syft-cyclonedx-1.7.json").read_text()[:700], "invalid JSON at line"),
        ('[{"bomFormat": "CycloneDX"}]', "found a JSON array"),
        ('{"spdxVersion": "SPDX-2.3"}', "bomFormat is None, expected 'CycloneDX'"),
        ('{"bomFormat": "CycloneDX", "specVersion": "2.0"}', "specVersion '2.0'"),
        ('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}}', "components:"),
        (
            '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library"}]}',
            r"components\[0\]\.name: missing",
        ),
        (
            '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "a", '
            '"components": [{"name": "b", "licenses": [{"license": {}}]}]}]}',
            r"components\[0\]\.components\[0\]\.licenses\[0\]\.license: neither id nor name",
        ),
        (
            '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "a", '
            '"hashes": [{"alg": "SHA-256"}]}]}',
            r"components\[0\]\.hashes\[0\]\.content: missing",
        ),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


components = st.tuples(
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
    st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
    st.sampled_from(["library", "application", "framework", "firmware", "operating-system"]),
    st.lists(st.sampled_from(["MIT", "Apache-2.0", "BSD-3-Clause"]), max_size=2),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(components, max_size=6), st.sampled_from(["1.4", "1.5", "1.6", "1.7"]))
def test_round_trip(items: list[tuple[str, str, str, list[str]]], spec: str) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "components": [
            {
                "type": kind,
                "name": name,
                "version": version,
                "purl": f"pkg:generic/{name}@{version}",
                "licenses": [{"license": {"id": lic}} for lic in licenses],
            }
            for name, version, kind, licenses in items
        ],
    }
    found = parse(json.dumps(bom))
    assert [(d.name, d.version, d.kind, d.purl, d.licenses) for d in found] == [
        (name, version, kind, f"pkg:generic/{name}@{version}", tuple(licenses))
        for name, version, kind, licenses in items
    ]
