from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.spdx_json import parse
from tests.conftest import DATA

DEPS = DATA / "deps"
SOURCE = "merged:syft-spdx-2.3.json"


def test_syft_spdx_2_3() -> None:
    def dep(name: str, version: str, purl: str, cpe: str, **fields: Any) -> Dependency:
        return Dependency(name=name, version=version, purl=purl, cpe=cpe, source=SOURCE, **fields)

    # the described directory "." is left out; licenseDeclared stands in for NOASSERTION
    assert parse((DEPS / "syft-spdx-2.3.json").read_text(), source=SOURCE) == [
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
            "libssl3",
            "3.0.11-1~deb12u2",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*",
            licenses=("Apache-2.0 AND LicenseRef-Artistic",),
        ),
    ]


def test_described_package_with_purl_is_kept_and_purposes() -> None:
    document = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "documentDescribes": ["SPDXRef-app"],
        "packages": [
            {
                "SPDXID": "SPDXRef-app",
                "name": "app",
                "versionInfo": "2.0.0",
                "primaryPackagePurpose": "APPLICATION",
                "licenseConcluded": "NONE",
                "licenseDeclared": "NOASSERTION",
                "externalRefs": [
                    {"referenceType": "purl", "referenceLocator": "pkg:generic/app@2.0.0"},
                    {"referenceType": "cpe22Type", "referenceLocator": "cpe:/a:acme:app:2.0.0"},
                ],
                "checksums": [
                    {"algorithm": "SHA1", "checksumValue": "AA"},
                    {"algorithm": "ADLER32", "checksumValue": "01"},
                    {"algorithm": "BLAKE2b-256", "checksumValue": "bb"},
                ],
            },
            {"SPDXID": "SPDXRef-os", "name": "alpine", "primaryPackagePurpose": "OPERATING-SYSTEM"},
            {"SPDXID": "SPDXRef-c", "name": "blob", "primaryPackagePurpose": "CONTAINER"},
        ],
    }
    found = parse(json.dumps(document))
    assert [(d.name, d.version, d.kind, d.purl, d.cpe, d.licenses) for d in found] == [
        ("app", "2.0.0", "application", "pkg:generic/app@2.0.0", "cpe:/a:acme:app:2.0.0", ()),
        ("alpine", None, "operating-system", None, None, ()),
        ("blob", None, "library", None, None, ()),
    ]
    assert found[0].hashes == (("SHA-1", "aa"), ("BLAKE2b-256", "bb"))
    assert found[0].source == "merged:sbom.spdx.json"


def test_described_by_relationship_and_spdx_2_2() -> None:
    document = {
        "spdxVersion": "SPDX-2.2",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": [{"SPDXID": "SPDXRef-root", "name": "root"}, {"SPDXID": "b", "name": "b"}],
        "relationships": [
            {
                "spdxElementId": "SPDXRef-root",
                "relationshipType": "DESCRIBED_BY",
                "relatedSpdxElement": "SPDXRef-DOCUMENT",
            }
        ],
    }
    assert [d.name for d in parse(json.dumps(document))] == ["b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ((DEPS / "syft-spdx-2.3.json").read_text()[:900], "invalid JSON at line"),
        ('"SPDX-2.3"', "found a JSON string"),
        ('{"bomFormat": "CycloneDX"}', "spdxVersion None"),
        ('{"spdxVersion": "SPDX-3.0"}', "spdxVersion 'SPDX-3.0'"),
        ('{"spdxVersion": "SPDX-2.3", "packages": {"a": 1}}', "packages: expected an array"),
        ('{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "x"}]}', r"\[0\]\.name: missing"),
        (
            '{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a", "externalRefs": [7]}]}',
            r"packages\[0\]\.externalRefs\[0\]: expected an object",
        ),
        (
            '{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a", "checksums": [{}]}]}',
            r"packages\[0\]\.checksums\[0\]\.algorithm: missing",
        ),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
            st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
            st.sampled_from(["MIT", "NOASSERTION", "Apache-2.0 OR MIT"]),
            st.binary(min_size=32, max_size=32).map(bytes.hex),
        ),
        max_size=6,
    )
)
def test_round_trip(items: list[tuple[str, str, str, str]]) -> None:
    document = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": [
            {
                "SPDXID": f"SPDXRef-Package-{i}",
                "name": name,
                "versionInfo": version,
                "licenseConcluded": license_,
                "checksums": [{"algorithm": "SHA256", "checksumValue": digest}],
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": f"pkg:generic/{name}@{version}",
                    }
                ],
            }
            for i, (name, version, license_, digest) in enumerate(items)
        ],
    }
    found = parse(json.dumps(document))
    assert [(d.name, d.version, d.purl, d.licenses, d.hashes) for d in found] == [
        (
            name,
            version,
            f"pkg:generic/{name}@{version}",
            () if license_ == "NOASSERTION" else (license_,),
            (("SHA-256", digest),),
        )
        for name, version, license_, digest in items
    ]
