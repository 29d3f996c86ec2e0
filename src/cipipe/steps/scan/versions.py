"""Version ordering per OSV ecosystem, for evaluating SEMVER and ECOSYSTEM ranges.

Each ecosystem orders its versions its own way (PEP 440 for PyPI, dpkg's for Debian, Maven's
for Maven...), and comparing them as plain text gets every real case wrong ("1.10" < "1.9").
Where `univers` has a class for the ecosystem it does the ordering; `generic_key` below is the
documented fallback for ecosystems it lacks (vcpkg, OSS-Fuzz, GitHub tags, C libraries' release
tags). A version an order cannot parse gives ``None`` from `VersionOrder.key`, never an
exception: the matcher turns it into an "undecided" result that the step reports as a warning,
so one odd version string cannot stop a scan.

Parsed versions are cached per order: a scan compares the same few hundred event versions
against many components, and parsing (2-8 µs with univers) is most of a comparison's cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from univers import versions as uv

SortKey = Any
"""What `VersionOrder.key` returns: a univers version or a tuple. Keys of one order compare
with each other (<, ==); keys of two different orders must never be compared."""

_INVALID = object()


class VersionOrder:
    """The total order of one ecosystem's versions, with a cache of parsed versions."""

    __slots__ = ("_cache", "_parse", "name")

    def __init__(self, name: str, parse: Callable[[str], SortKey]) -> None:
        self.name = name
        self._parse = parse
        self._cache: dict[str, SortKey] = {}

    def key(self, version: str) -> SortKey | None:
        """A sort key for ``version``, or None when this order cannot parse it."""
        cached = self._cache.get(version)
        if cached is None:
            try:
                cached = self._parse(version.strip())
            except Exception:  # univers raises InvalidVersion, ValueError, TypeError, ...
                cached = _INVALID
            if cached is None:
                cached = _INVALID
            self._cache[version] = cached
        return None if cached is _INVALID else cached

    def compare(self, a: str, b: str) -> int | None:
        """-1, 0 or 1 as ``a`` sorts before, with or after ``b``; None when either won't parse."""
        ka, kb = self.key(a), self.key(b)
        if ka is None or kb is None:
            return None
        try:
            return -1 if ka < kb else (0 if ka == kb else 1)
        except Exception:
            return None

    def __repr__(self) -> str:
        return f"VersionOrder({self.name!r})"


def _without_build(version: str) -> str:
    """SemVer 2.0 §10: build metadata ("+build.5", Go's "+incompatible") does not take part
    in precedence. univers' SemverVersion treats "1.0.0+a" and "1.0.0+b" as neither equal nor
    ordered, which breaks sorting, so the metadata goes before parsing."""
    return version.split("+", 1)[0]


def _semver(version: str) -> SortKey:
    return uv.SemverVersion(_without_build(version))


def _golang(version: str) -> SortKey:
    return uv.GolangVersion(_without_build(version))


# --- generic fallback -----------------------------------------------------------------------

_TAG_PREFIX = re.compile(r"^[^0-9]*")
_RELEASE = re.compile(r"\d+(?:[._-]\d+)*")
_TOKENS = re.compile(r"\d+|[a-z]+")
_PRE_RELEASE = {"dev": 0, "snapshot": 0, "alpha": 1, "beta": 2, "milestone": 2, "pre": 3}
_PRE_RELEASE |= {"preview": 3, "rc": 3}
_PRE_RELEASE_LETTERS = {"a": 1, "b": 2, "m": 2, "c": 3}
"""Pre-release only when a number follows ("1.0a1", PEP 440's "1.0b2"): a lone letter is a
later release in OpenSSL's style ("1.1.1a" after "1.1.1")."""
_SAME_AS_RELEASE = frozenset({"final", "ga", "release", "stable"})


def generic_key(version: str) -> tuple[object, ...] | None:
    """Dotted numeric order with a textual tie-break, for ecosystems univers has no class for.

    - Anything before the first digit is a tag prefix and is dropped: "v2.1.3", "release-2.1.3",
      "curl-7_88_1" and lwIP's "STABLE-2_1_3" all read as 2.1.3, so a GIT advisory's tag list
      compares with the version a build recorded.
    - The release is the run of numbers separated by ".", "_" or "-"; trailing zeros do not
      count, so "1.2" equals "1.2.0".
    - What follows is the suffix. One starting with a pre-release word (dev < alpha < beta,
      milestone < rc, pre, preview; "a", "b", "m", "c" when a number follows, as in "1.0a1")
      sorts before the bare release; "final", "ga" and the like equal it; any other suffix
      ("1.1.1q", "2.0-p1", "1.2.3+build") sorts after it.
      Suffixes of one kind compare token by token, numbers as numbers and words as text.
    - A version without any digit ("latest", "main") is unparseable: None.
    """
    text = _TAG_PREFIX.sub("", version.strip().lower(), count=1)
    release_match = _RELEASE.match(text)
    if release_match is None:
        return None
    release = [int(part) for part in re.split(r"[._-]", release_match.group())]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    tokens = _TOKENS.findall(text[release_match.end() :])
    rank = 1 if tokens else 0
    if tokens and not tokens[0].isdigit():
        numbered = len(tokens) > 1 and tokens[1].isdigit()
        pre = _PRE_RELEASE.get(tokens[0])
        if pre is None and numbered:
            pre = _PRE_RELEASE_LETTERS.get(tokens[0])
        if pre is not None:
            rank, tokens[0] = -1, str(pre)
        elif tokens[0] in _SAME_AS_RELEASE and len(tokens) == 1:
            rank, tokens = 0, []
    return (
        tuple(release),
        rank,
        tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in tokens),
    )


def _generic(version: str) -> SortKey:
    return generic_key(version)


# --- the table ------------------------------------------------------------------------------

_PARSERS: dict[str, tuple[str, Callable[[str], SortKey]]] = {
    "pypi": ("PyPI", uv.PypiVersion),
    "npm": ("npm", _semver),
    "crates.io": ("crates.io", _semver),
    "hex": ("Hex", _semver),
    "pub": ("Pub", _semver),
    "swifturl": ("SwiftURL", _semver),
    "go": ("Go", _golang),
    "kubernetes": ("Kubernetes", _golang),
    "maven": ("Maven", uv.MavenVersion),
    "nuget": ("NuGet", uv.NugetVersion),
    "rubygems": ("RubyGems", uv.RubygemsVersion),
    "packagist": ("Packagist", uv.ComposerVersion),
    "debian": ("Debian", uv.DebianVersion),
    "ubuntu": ("Ubuntu", uv.DebianVersion),
    "alpine": ("Alpine", uv.AlpineLinuxVersion),
    "red hat": ("Red Hat", uv.RpmVersion),
    "almalinux": ("AlmaLinux", uv.RpmVersion),
    "rocky linux": ("Rocky Linux", uv.RpmVersion),
    "opensuse": ("openSUSE", uv.RpmVersion),
    "suse": ("SUSE", uv.RpmVersion),
    "photon os": ("Photon OS", uv.RpmVersion),
    "mageia": ("Mageia", uv.RpmVersion),
    "openeuler": ("openEuler", uv.RpmVersion),
    "conancenter": ("ConanCenter", uv.ConanVersion),
}
"""Ecosystem (base name, lower case) -> (its OSV spelling, parser). Not listed: the generic
fallback."""

SEMVER = VersionOrder("SEMVER", _semver)
"""The order of SEMVER ranges, whatever the package's ecosystem."""

GENERIC = VersionOrder("generic", _generic)

_ORDERS: dict[str, VersionOrder] = {}


def ecosystem_base(ecosystem: str) -> str:
    """The ecosystem without its release suffix: "Debian" of "Debian:12"."""
    return ecosystem.split(":", 1)[0].strip()


def order_for(ecosystem: str | None) -> VersionOrder:
    """The version order of an OSV ecosystem (release suffix and case ignored); the generic
    order for an ecosystem univers has no class for, or for no ecosystem at all."""
    base = ecosystem_base(ecosystem).lower() if ecosystem else ""
    order = _ORDERS.get(base)
    if order is None:
        known = _PARSERS.get(base)
        order = VersionOrder(*known) if known is not None else GENERIC
        _ORDERS[base] = order
    return order
