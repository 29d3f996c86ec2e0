from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.cargo_lock import parse
from tests.conftest import DATA

DEPS = DATA / "deps"


def crate(name: str, version: str, checksum: str) -> Dependency:
    return Dependency(
        name=name,
        version=version,
        purl=f"pkg:cargo/{name}@{version}",
        source="Cargo.lock",
        hashes=(("SHA-256", checksum),),
    )


def test_cargo_lock_v3() -> None:
    # "app" has no source: the workspace's own crate
    assert parse((DEPS / "Cargo.lock").read_text()) == [
        crate(
            "aho-corasick",
            "0.7.20",
            "cc936419f96fa211c1b9166887b38e5e40b19958e5b895be7c1f93adec7071ac",
        ),
        crate(
            "libc", "0.2.140", "99227334921fae1a979cf0bfdfcc6b3e5ce376ef57e16fb6fb3ea2ed6095f80c"
        ),
        crate(
            "memchr", "1.0.2", "148fab2e51b4f1cfc66da2a7c32981d1d3c083a803978268bb11fe4b86925e7a"
        ),
        crate(
            "memchr", "2.5.0", "2dffe52ecf27772e601905b7522cb4ef790d2cc203488bbd0e2fe85fcb74566d"
        ),
        crate("regex", "1.7.3", "8b1f693b24f6ac912f4893ef08244d70b6067480d2f1a46e950c9691e6749d1d"),
        crate(
            "regex-syntax",
            "0.5.6",
            "7d707a4fa2637f2dca2ef9fd02225ec7661fe01a53623c1e6515b6916511f7a7",
        ),
        crate(
            "regex-syntax",
            "0.6.29",
            "f162c6dd7b008981e4d40210aca20b4bd0f9b60ca9271061b07f78537722f2e1",
        ),
        crate(
            "ucd-util",
            "0.1.10",
            "abd2fc5d32b590614af8b0a20d837f32eca055edd0bbead59a9cfe80858be003",
        ),
    ]


def test_git_sources_sparse_index_and_v1_metadata() -> None:
    text = """\
[[package]]
name = "serde"
version = "1.0.197"
source = "sparse+https://index.crates.io/"
checksum = "3FB1C873E1B9B056A4DC4C0C198B24C3FFA059243875552B2BD0933B1AEE4CE2"

[[package]]
name = "tokio"
version = "1.36.0"
source = "git+https://github.com/tokio-rs/tokio?branch=master#0123456789abcdef"

[[package]]
name = "itoa"
version = "1.0.10"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum itoa 1.0.10 (registry+https://github.com/rust-lang/crates.io-index)" = \
"""
    text += '"b1a46d1a171d865aa5f83f92695765caa047a9b4cbae2cbf37dbd613a793fd4c"\n'
    found = parse(text, source="rust/Cargo.lock")
    assert [(d.name, d.version, d.hashes, d.properties) for d in found] == [
        (
            "serde",
            "1.0.197",
            (("SHA-256", "3fb1c873e1b9b056a4dc4c0c198b24c3ffa059243875552b2bd0933b1aee4ce2"),),
            (),
        ),
        (
            "tokio",
            "1.36.0",
            (),
            (
                (
                    "cipipe:cargo-source",
                    "git+https://github.com/tokio-rs/tokio?branch=master#0123456789abcdef",
                ),
            ),
        ),
        (
            "itoa",
            "1.0.10",
            (("SHA-256", "b1a46d1a171d865aa5f83f92695765caa047a9b4cbae2cbf37dbd613a793fd4c"),),
            (),
        ),
    ]
    assert {d.source for d in found} == {"rust/Cargo.lock"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[package]]\nname = "a"\nversion = "1', "invalid TOML"),
        ("this is not toml\n", "invalid TOML"),
        ('package = "a"\n', "package: expected"),
        ('[[package]]\nname = "a"\nsource = "sparse+https://index.crates.io/"\n', "version"),
        ('[[package]]\nname = 1\nversion = "1"\n', r"package\[0\]\.name: expected a string"),
        ('[[package]]\nname = "a"\nversion = "1"\nsource = 3\n', r"source: expected a string"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True),
            st.from_regex(r"[0-9]{1,2}\.[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True),
            st.binary(min_size=32, max_size=32).map(bytes.hex),
            st.booleans(),
        ),
        max_size=8,
    )
)
def test_round_trip(crates: list[tuple[str, str, str, bool]]) -> None:
    text = "version = 4\n" + "".join(
        f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
        + (
            f'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
            f'checksum = "{checksum}"\n'
            if registry
            else ""
        )
        for name, version, checksum, registry in crates
    )
    assert parse(text) == [
        crate(name, version, checksum) for name, version, checksum, registry in crates if registry
    ]
