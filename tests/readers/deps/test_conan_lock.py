from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.conan_lock import parse
from tests.conftest import DATA

DEPS = DATA / "deps"
LIST = "cipipe:conan-lock-list"
STAMP = "cipipe:conan-rrev-timestamp"
PKG_ID = "cipipe:conan-package-id"
PREV = "cipipe:conan-prev"


def test_conan2_lockfile() -> None:
    def dep(ref: str, purl: str, stamp: str, key: str) -> Dependency:
        name, version = ref.split("/")
        return Dependency(
            name=name,
            version=version,
            purl=purl,
            source="conan.lock",
            scope="required" if key == "requires" else "excluded",
            properties=((STAMP, stamp), (LIST, key)),
        )

    assert parse((DEPS / "conan-v2.lock").read_text()) == [
        dep(
            "zlib/1.3.1",
            "pkg:conan/zlib@1.3.1?rrev=cce89bbf5e12554a076c09bfe8eaf546",
            "1795793960.4046535",
            "requires",
        ),
        dep(
            "spdlog/1.13.0",
            "pkg:conan/spdlog@1.13.0?channel=stable&rrev=d15a1f0c65fd52ed025771190225347d"
            "&user=acme",
            "1795793961.4097064",
            "requires",
        ),
        dep(
            "openssl/3.3.2",
            "pkg:conan/openssl@3.3.2?rrev=ad1e88022a0481ddad362a0ffc7fb7d4",
            "1795793963.9583826",
            "requires",
        ),
        # conan 2 locks test_requires with the requires: nothing tells them apart
        dep(
            "gtest/1.14.0",
            "pkg:conan/gtest@1.14.0?rrev=f93e00e66763f5d704fa5e4f99239287",
            "1795794257.1628652",
            "requires",
        ),
        dep(
            "fmt/10.2.1",
            "pkg:conan/fmt@10.2.1?rrev=6b3be0e9f5bbadae00bbdaf4c8c582f3",
            "1795793960.0027049",
            "requires",
        ),
        dep(
            "ninja/1.11.1",
            "pkg:conan/ninja@1.11.1?rrev=af53ce4f8e45ed6139db6d9a3a141c90",
            "1795793961.2046154",
            "build_requires",
        ),
        dep(
            "cmake/3.28.1",
            "pkg:conan/cmake@3.28.1?rrev=55a73ecfe592c67c718a2b333f700989",
            "1795793961.0000765",
            "build_requires",
        ),
        dep(
            "pyhelpers/0.3",
            "pkg:conan/pyhelpers@0.3?rrev=d80f747aa70e06227687d20c0f20425e",
            "1795793959.8006551",
            "python_requires",
        ),
    ]


def test_conan1_graph_lock() -> None:
    def dep(ref: str, purl: str, scope: str, package_id: str, prev: str) -> Dependency:
        name, version = ref.split("/")
        return Dependency(
            name=name,
            version=version,
            purl=purl,
            source="conan.lock",
            scope="required" if scope == "required" else "excluded",
            properties=((PKG_ID, package_id), (PREV, prev)),
        )

    assert parse((DEPS / "conan-v1.lock").read_text()) == [
        dep(
            "spdlog/1.13.0",
            "pkg:conan/spdlog@1.13.0?channel=stable&rrev=cd212f77994b572f0ce02baac99fc4e5"
            "&user=acme",
            "required",
            "7011b7fd1f52deededfd29faff771c3e02ea36e5",
            "ca1698d2af3c648d8cff33f398fdde28",
        ),
        dep(
            "fmt/10.2.1",
            "pkg:conan/fmt@10.2.1?rrev=77d354d2f99f800e02ac4f49cd520068",
            "required",
            "1b1bf61ffbc5d1a612f7d6f77f54abde8c2e2aa9",
            "055b01382b8b29fa3611998ebfa0dc0b",
        ),
        dep(
            "openssl/3.2.1",
            "pkg:conan/openssl@3.2.1?rrev=871781f3a491dc00590163a19d70d691",
            "required",
            "80b7db1861c1cc637a14fb203e56b36dc7d72a14",
            "ae0472df18570298b95f239fb38bbb13",
        ),
        dep(
            "zlib/1.3.1",
            "pkg:conan/zlib@1.3.1?rrev=43e76e4085879e41455677d10a1f537b",
            "required",
            "1b1bf61ffbc5d1a612f7d6f77f54abde8c2e2aa9",
            "c3c41dd9392f25629e692061d4f67340",
        ),
        dep(
            "cmake/3.28.1",
            "pkg:conan/cmake@3.28.1?rrev=8363f9fbf2cf0eacefaaef2a16c87730",
            "excluded",
            "1b1bf61ffbc5d1a612f7d6f77f54abde8c2e2aa9",
            "71f075b00c081635a885a71f672573bb",
        ),
        Dependency(
            name="pyhelpers",
            version="0.3",
            purl="pkg:conan/pyhelpers@0.3?rrev=34c607a43585eb028cd2b0bbfdc6a2dd",
            source="conan.lock",
            scope="excluded",
            properties=((LIST, "python_requires"),),
        ),
    ]


def test_conan1_without_revisions_and_build_context_by_edges() -> None:
    """Revisions disabled (no #rrev, prev "0"), no profile_build: a build require's context
    is "host", so only the build_requires edge says it is build-only, as are its requires."""
    lock = {
        "graph_lock": {
            "nodes": {
                "0": {"requires": ["1"], "build_requires": ["3"], "path": "conanfile.txt"},
                "1": {"ref": "pkga/0.0.1", "package_id": "", "prev": "0", "requires": ["2"]},
                "2": {"ref": "pkgb/system", "prev": "0"},
                "3": {"ref": "protobuf/3.21.12", "requires": ["4"], "context": "host"},
                "4": {"ref": "zlib/1.3.1"},
            },
            "revisions_enabled": False,
        },
        "version": "0.4",
    }
    found = parse(json.dumps(lock))
    assert [(d.name, d.version, d.purl, d.scope, d.properties) for d in found] == [
        ("pkga", "0.0.1", "pkg:conan/pkga@0.0.1", "required", ()),
        ("pkgb", "system", "pkg:conan/pkgb@system", "required", ()),
        ("protobuf", "3.21.12", "pkg:conan/protobuf@3.21.12", "excluded", ()),
        ("zlib", "1.3.1", "pkg:conan/zlib@1.3.1", "excluded", ()),
    ]


def test_lockfile_0_3_package_references() -> None:
    lock = {
        "graph_lock": {
            "nodes": {
                "0": {"pref": "app/1.0:pkgid0", "path": "conanfile.py", "requires": ["1"]},
                "1": {"pref": "zlib/1.2.11#7f1d0c2b:3fb49604f9c2f729b85ba3115852006824e72cab#a1b2"},
            }
        },
        "version": "0.3",
    }
    [zlib] = parse(json.dumps(lock))
    assert zlib.purl == "pkg:conan/zlib@1.2.11?rrev=7f1d0c2b"
    assert zlib.properties == (
        (PKG_ID, "3fb49604f9c2f729b85ba3115852006824e72cab"),
        (PREV, "a1b2"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "0.5", "requires": ["zlib/1.3.1#abc', "invalid JSON at line 1"),
        ('["zlib/1.3.1"]', "found a JSON array"),
        ('{"version": "0.6", "requires": []}', "unsupported conan lockfile: version '0.6'"),
        ('{"version": "0.5", "requires": "zlib/1.3.1"}', "requires: expected an array"),
        ('{"version": "0.5", "requires": ["zlib"]}', r"requires\[0\]: 'zlib' is not a conan"),
        ('{"version": "0.5", "build_requires": [3]}', r"build_requires\[0\]: expected a"),
        ('{"graph_lock": {"nodes": {"0": {"requires": ["7"]}}}}', "'7' is not a node"),
        ('{"graph_lock": {"nodes": {"1": {"ref": "x y"}}}}', r"nodes\.1\.ref: 'x y'"),
        ('{"graph_lock": {}}', "graph_lock: no nodes"),
        ("", "empty file"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


refs = st.tuples(
    st.from_regex(r"[a-z][a-z0-9_-]{1,15}", fullmatch=True),
    st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?", fullmatch=True),
    st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    st.integers(1_600_000_000, 1_900_000_000),
    st.integers(0, 9_999_999),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(refs, max_size=5), st.lists(refs, max_size=3), st.lists(refs, max_size=2))
def test_conan2_round_trip(
    requires: list[tuple[str, str, str, int, int]],
    build: list[tuple[str, str, str, int, int]],
    python: list[tuple[str, str, str, int, int]],
) -> None:
    def render(ref: tuple[str, str, str, int, int]) -> str:
        name, version, rrev, seconds, fraction = ref
        return f"{name}/{version}#{rrev}%{seconds}.{fraction}"

    lock = {
        "version": "0.5",
        "requires": [render(r) for r in requires],
        "build_requires": [render(r) for r in build],
        "python_requires": [render(r) for r in python],
        "config_requires": [],
    }
    found = parse(json.dumps(lock, indent=4))
    expected = requires + build + python
    assert [(d.name, d.version, d.purl) for d in found] == [
        (name, version, f"pkg:conan/{name}@{version}?rrev={rrev}")
        for name, version, rrev, _, _ in expected
    ]
    assert [dict(d.properties)[STAMP] for d in found] == [f"{s}.{f}" for *_, s, f in expected]
    assert [d.scope for d in found] == ["required"] * len(requires) + ["excluded"] * (
        len(build) + len(python)
    )
