from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cipipe.steps.scan.versions import (
    GENERIC,
    SEMVER,
    ecosystem_base,
    generic_key,
    order_for,
)


@pytest.mark.parametrize(
    ("ecosystem", "lower", "higher"),
    [
        ("PyPI", "1.9", "1.10"),
        ("PyPI", "2.0rc1", "2.0"),
        ("PyPI", "2.0", "2.0.post1"),
        ("PyPI", "2.0", "1!0.1"),  # the epoch wins
        ("npm", "1.0.0-beta.2", "1.0.0-beta.11"),
        ("npm", "1.0.0-rc.1", "1.0.0"),
        ("crates.io", "0.1.9", "0.1.20"),
        ("Go", "v1.2.3", "1.2.10"),
        ("Go", "v0.0.0-20210101000000-abcdefabcdef", "v0.0.1"),
        ("Debian:12", "1.2.1-2.2+wheezy3", "1.2.1-2.2+wheezy10"),
        ("Debian", "2.0-1", "1:1.0-1"),
        ("Ubuntu:22.04:LTS", "1.0-1ubuntu1", "1.0-1ubuntu2"),
        ("Maven", "1.0-SNAPSHOT", "1.0"),
        ("Maven", "1.0-alpha-1", "1.0-beta-1"),
        ("NuGet", "1.0.0-beta", "1.0.0"),
        ("RubyGems", "1.15.0.pre.1", "1.15.0"),
        ("Packagist", "1.0.0-beta1", "1.0.0"),
        ("Alpine:v3.18", "1.2.3-r0", "1.2.3-r1"),
        ("Red Hat:rhel_aus:8.4::appstream", "1.2.3-1.el8", "1:1.0-1.el8"),
        ("ConanCenter", "1.1.1", "1.1.1q"),
        ("ConanCenter", "1.2.3", "1.2.13"),
        ("vcpkg", "2.1.3", "2.1.10"),
        ("OSS-Fuzz", "STABLE-2_1_2_RELEASE", "STABLE-2_1_3_RELEASE"),
        ("GitHub Actions", "v2.9", "v2.10"),
    ],
)
def test_orders(ecosystem: str, lower: str, higher: str) -> None:
    order = order_for(ecosystem)
    assert order.compare(lower, higher) == -1
    assert order.compare(higher, lower) == 1
    assert order.compare(lower, lower) == 0


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        ("PyPI", "1.0", "1.0.0"),
        ("PyPI", "1.0-post1", "1.0.post1"),
        ("Maven", "1.0", "1.0.0"),
        ("npm", "1.0.0+build.1", "1.0.0+build.2"),  # build metadata has no precedence
        ("Go", "v2.0.0+incompatible", "2.0.0"),
        ("vcpkg", "v2.1.3", "2.1.3"),
        ("OSS-Fuzz", "STABLE-2_1_3", "2.1.3"),
        ("OSS-Fuzz", "curl-7_88_1", "7.88.1"),
        ("OSS-Fuzz", "1.2", "1.2.0"),
        ("OSS-Fuzz", "1.2.Final", "1.2"),
    ],
)
def test_equal_versions(ecosystem: str, a: str, b: str) -> None:
    assert order_for(ecosystem).compare(a, b) == 0


@pytest.mark.parametrize(
    "ordered",
    [
        ["1.0.dev1", "1.0a1", "1.0-beta", "1.0-rc1", "1.0", "1.0.1"],
        ["1.1.1", "1.1.1a", "1.1.1q", "1.1.2"],  # OpenSSL letter releases
        ["2.1.2", "STABLE-2_1_3_RC1", "STABLE-2_1_3_RELEASE", "2.1.3-p1", "2.2"],
        ["2023.01.05", "2023.10.01", "cci.20240101"],
    ],
)
def test_generic_fallback(ordered: list[str]) -> None:
    keys = [generic_key(v) for v in ordered]
    assert None not in keys
    assert sorted(ordered, key=lambda v: generic_key(v) or ()) == ordered
    assert all(GENERIC.compare(a, b) == -1 for a, b in itertools.pairwise(ordered))


@pytest.mark.parametrize(
    ("ecosystem", "version"),
    [
        ("PyPI", "not a version"),
        ("npm", "latest"),
        ("Go", "master"),
        ("Debian", "abc"),
        ("NuGet", "abc"),
        ("vcpkg", "main"),
        ("OSS-Fuzz", ""),
    ],
)
def test_unparseable_versions_are_none(ecosystem: str, version: str) -> None:
    order = order_for(ecosystem)
    assert order.key(version) is None
    assert order.compare(version, "1.0") is None


@given(
    text=st.text(max_size=30),
    ecosystem=st.sampled_from(
        [
            "PyPI",
            "npm",
            "Go",
            "Debian",
            "Maven",
            "NuGet",
            "RubyGems",
            "Packagist",
            "Alpine",
            "Red Hat",
            "ConanCenter",
            "vcpkg",
        ]
    ),
)
def test_no_input_raises(text: str, ecosystem: str) -> None:
    order = order_for(ecosystem)
    order.key(text)
    order.compare(text, "1.0.0")


def test_parsed_versions_are_cached() -> None:
    order = order_for("PyPI")
    first = order.key("3.14.159")
    assert first is not None and order.key("3.14.159") is first
    assert order_for("pypi") is order  # one order (and cache) per ecosystem


def test_semver_order_is_independent_of_the_ecosystem() -> None:
    assert SEMVER.compare("1.0.0-alpha", "1.0.0") == -1
    assert SEMVER.key("1.2") is not None  # lenient, as npm's own coercion is


def test_ecosystem_helpers() -> None:
    assert ecosystem_base("Debian:12") == "Debian"
    assert ecosystem_base("Maven:https://maven.google.com") == "Maven"
    assert order_for("Debian:12") is not GENERIC and order_for("pypi") is not GENERIC
    assert order_for("vcpkg") is GENERIC
    assert order_for(None) is GENERIC
