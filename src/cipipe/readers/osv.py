"""One OSV advisory (https://ossf.github.io/osv-schema/), as the JSON of an OSV dump holds it.

{"schema_version": "1.6.0", "id": "GHSA-r9p9-mrjm-926w", "modified": "2021-03-08T16:02:43Z",
 "aliases": ["CVE-2020-28498"], "summary": "...",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "elliptic", "purl": "pkg:npm/elliptic"},
               "ranges": [{"type": "ECOSYSTEM",
                           "events": [{"introduced": "0"}, {"fixed": "6.5.4"}]}],
               "versions": ["6.5.3"], "ecosystem_specific": {...}, "database_specific": {...}}],
 "database_specific": {"severity": "MODERATE"}}

The schema only ever adds fields in minor versions, so fields this reader does not know are
ignored rather than refused; only what matching depends on is checked, and a record that breaks
it raises `OsvError` with the place and the reason. Withdrawn advisories are returned like any
other (``withdrawn`` says when): whether to skip them is the caller's decision.

Two tolerances go beyond the written schema because real databases need them: an ``affected``
entry without ``package`` is accepted when its ranges are GIT ranges (osv.dev's CVE records for
C and C++ projects name only the repository), and ``modified`` may be missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from cipipe.errors import ReaderError

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")

RANGE_TYPES = frozenset({"SEMVER", "ECOSYSTEM", "GIT"})
"""The range types the schema defines. A newer type is kept (its ``type`` is the string as
written) so that the matcher can say it cannot decide, instead of the whole advisory failing."""


class OsvError(ReaderError):
    pass


@dataclass(frozen=True)
class PackageRef:
    ecosystem: str  # as written, release suffix included: "Debian:12", "PyPI"
    name: str
    purl: str | None


@dataclass(frozen=True)
class Event:
    kind: EventKind
    value: str


@dataclass(frozen=True)
class Range:
    type: str  # "SEMVER", "ECOSYSTEM" or "GIT" (see RANGE_TYPES)
    events: tuple[Event, ...]  # in the order of the record; the matcher sorts them
    repo: str | None  # required for GIT ranges


@dataclass(frozen=True)
class SeverityEntry:
    type: str  # "CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu", ...
    score: str


@dataclass(frozen=True)
class Affected:
    package: PackageRef | None  # None only for a GIT-only entry that names just a repository
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    severity: tuple[SeverityEntry, ...] = ()  # per-package severity (then the top level has none)
    ecosystem_specific_severity: str | None = None  # e.g. RustSec's and PyPA's "HIGH"


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str | None
    modified: str | None
    affected: tuple[Affected, ...]
    severity: tuple[SeverityEntry, ...]
    database_specific_severity: str | None  # GitHub's "MODERATE" and the like
    withdrawn: str | None = None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn is not None


def osv_document(text: str | bytes) -> object:
    """One OSV JSON document, decoded but not yet read: the scan's index keeps documents and
    reads an advisory (``advisory_from_json``) only when a component may match it."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # also too deep, or a 5,000-digit number
        raise OsvError(f"malformed OSV JSON ({exc}); a truncated file or not JSON") from None


def advisory_from_json(document: object) -> Advisory:
    """The advisory in an already decoded OSV document (a dict from ``json.loads``)."""
    if not isinstance(document, dict):
        raise OsvError("not an OSV advisory: the document is not a JSON object")
    advisory_id = document.get("id")
    if not isinstance(advisory_id, str) or not advisory_id:
        raise OsvError("not an OSV advisory: no 'id'")
    where = advisory_id
    withdrawn = _optional_str(document, "withdrawn", where)
    affected_list = document.get("affected")
    if affected_list is None and withdrawn is not None:
        affected_list = []  # a withdrawn record may have dropped what it affected
    if not isinstance(affected_list, list):
        raise OsvError(f"{where}: no 'affected' list")
    return Advisory(
        id=advisory_id,
        aliases=_str_tuple(document, "aliases", where),
        summary=_optional_str(document, "summary", where),
        modified=_optional_str(document, "modified", where),
        affected=tuple(
            _affected(item, f"{where}: affected[{i}]") for i, item in enumerate(affected_list)
        ),
        severity=_severity(document.get("severity"), where),
        database_specific_severity=_specific_severity(document.get("database_specific")),
        withdrawn=withdrawn,
    )


def _affected(item: object, where: str) -> Affected:
    if not isinstance(item, dict):
        raise OsvError(f"{where} is not an object")
    ranges_list = item.get("ranges", [])
    if not isinstance(ranges_list, list):
        raise OsvError(f"{where}: 'ranges' is not a list")
    ranges = tuple(_range(r, f"{where}.ranges[{i}]") for i, r in enumerate(ranges_list))
    package = _package(item.get("package"), where)
    if package is None and not any(r.type == "GIT" for r in ranges):
        raise OsvError(f"{where}: no 'package' (only GIT ranges may do without one)")
    return Affected(
        package=package,
        ranges=ranges,
        versions=_str_tuple(item, "versions", where),
        severity=_severity(item.get("severity"), where),
        ecosystem_specific_severity=_specific_severity(item.get("ecosystem_specific")),
    )


def _package(value: object, where: str) -> PackageRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OsvError(f"{where}: 'package' is not an object")
    ecosystem, name = value.get("ecosystem"), value.get("name")
    if not isinstance(ecosystem, str) or not ecosystem:
        raise OsvError(f"{where}: the package has no 'ecosystem'")
    if not isinstance(name, str) or not name:
        raise OsvError(f"{where}: the package has no 'name'")
    return PackageRef(
        ecosystem=ecosystem, name=name, purl=_optional_str(value, "purl", f"{where}.package")
    )


def _range(value: object, where: str) -> Range:
    if not isinstance(value, dict):
        raise OsvError(f"{where} is not an object")
    range_type = value.get("type")
    if not isinstance(range_type, str) or not range_type:
        raise OsvError(f"{where}: no 'type'")
    events_list = value.get("events")
    if not isinstance(events_list, list) or not events_list:
        raise OsvError(f"{where}: no 'events'")
    events = tuple(_event(e, f"{where}.events[{i}]") for i, e in enumerate(events_list))
    if not any(e.kind == "introduced" for e in events):
        raise OsvError(f"{where}: no 'introduced' event (the schema requires one)")
    repo = _optional_str(value, "repo", where)
    if range_type == "GIT" and not repo:
        raise OsvError(f"{where}: a GIT range without 'repo'")
    return Range(type=range_type, events=events, repo=repo)


def _event(value: object, where: str) -> Event:
    if not isinstance(value, dict):
        raise OsvError(f"{where} is not an object")
    kinds = [k for k in EVENT_KINDS if k in value]
    if len(kinds) != 1:
        found = " and ".join(kinds) or "none"
        raise OsvError(f"{where}: an event takes exactly one of {', '.join(EVENT_KINDS)} ({found})")
    kind = kinds[0]
    event_value = value[kind]
    if not isinstance(event_value, str) or not event_value:
        raise OsvError(f"{where}: {kind} is {event_value!r}, not a version string")
    return Event(kind=kind, value=event_value)


def _severity(value: object, where: str) -> tuple[SeverityEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise OsvError(f"{where}: 'severity' is not a list")
    entries: list[SeverityEntry] = []
    for item in value:
        if not isinstance(item, dict):
            raise OsvError(f"{where}: a 'severity' entry is not an object")
        kind, score = item.get("type"), item.get("score")
        # A score that is not a string is a record error, but not one that affects matching:
        # severity.py reports an entry it cannot read as a warning.
        if isinstance(kind, str) and isinstance(score, str | int | float):
            entries.append(SeverityEntry(type=kind, score=str(score)))
    return tuple(entries)


def _specific_severity(value: object) -> str | None:
    """``severity`` inside a database_specific or ecosystem_specific object, when it is text."""
    if isinstance(value, dict):
        severity = value.get("severity")
        if isinstance(severity, str) and severity:
            return severity
    return None


def _optional_str(obj: dict[str, object], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise OsvError(f"{where}: '{key}' is not a string")


def _str_tuple(obj: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OsvError(f"{where}: '{key}' is not a list of strings")
    return tuple(value)
