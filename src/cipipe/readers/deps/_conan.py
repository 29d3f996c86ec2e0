"""Conan references (``name/version[@user[/channel]][#rrev][%timestamp]``) and their purls.

Conan 1 and 2, conanfile.txt and both lockfile formats all write a dependency as such a
reference, so one parser serves them all. The purl follows the purl spec's conan type:
``pkg:conan/<name>@<version>`` with ``user``, ``channel`` and ``rrev`` (recipe revision) as
qualifiers when the reference has them. A version range (``openssl/[>=3.0 <4]``) is not a
version: the purl then has none, and the range is kept as a property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cipipe.readers.deps._common import make_purl

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_+.-]*"
_REFERENCE = re.compile(
    rf"(?P<name>{_NAME})"
    r"/(?P<version>\[[^\]]*\]|[^\s/@#%\[\]]+)"
    rf"(?:@(?:(?P<user>{_NAME})(?:/(?P<channel>{_NAME}))?)?)?"
    r"(?:#(?P<rrev>[A-Za-z0-9]+))?"
    r"(?:%(?P<timestamp>[0-9]+(?:\.[0-9]+)?))?"
)
VERSION_RANGE_PROPERTY = "cipipe:version-range"
RREV_TIMESTAMP_PROPERTY = "cipipe:conan-rrev-timestamp"


@dataclass(frozen=True)
class ConanReference:
    name: str
    version: str | None  # None for a version range
    version_range: str | None  # e.g. "[>=3.0 <4]"
    user: str | None
    channel: str | None
    rrev: str | None  # recipe revision
    timestamp: str | None  # when that revision was made (conan 2 lockfiles), seconds

    @property
    def purl(self) -> str:
        return make_purl(
            "conan",
            self.name,
            self.version,
            qualifiers={"user": self.user, "channel": self.channel, "rrev": self.rrev},
        )

    @property
    def properties(self) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        if self.version_range:
            found.append((VERSION_RANGE_PROPERTY, self.version_range))
        if self.timestamp:
            found.append((RREV_TIMESTAMP_PROPERTY, self.timestamp))
        return tuple(found)


def parse_reference(text: str) -> ConanReference | None:
    """The reference, or None when the text is not one."""
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        return None
    version = match["version"]
    is_range = version.startswith("[")
    return ConanReference(
        name=match["name"],
        version=None if is_range else version,
        version_range=version if is_range else None,
        # Conan writes "_" for "no user/channel" (pkg/1.0@_/_).
        user=_none_if_placeholder(match["user"]),
        channel=_none_if_placeholder(match["channel"]),
        rrev=match["rrev"],
        timestamp=match["timestamp"],
    )


def _none_if_placeholder(value: str | None) -> str | None:
    return None if value in (None, "", "_") else value
