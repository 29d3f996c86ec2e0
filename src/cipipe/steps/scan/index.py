"""Advisories indexed by the package they affect, so matching a component costs time in
proportion to the advisories that name its package, not to the whole database.

An OSV dump holds tens of thousands of advisories, and a build a few thousand components; a
scan must not compare every pair, nor hold every decoded advisory in memory (a full osv.dev dump
decodes to gigabytes). The index therefore keeps, per advisory, only the strings that can make
it a candidate: package names (folded loosely, see `loose_name`), package URLs and GIT
repositories. `match` looks the component up under those keys, decodes each candidate in full
(reading its file again when it was loaded by `add_keys`), and only then checks the exact
package identity (ecosystem + name as that ecosystem compares names, purl, or repository) and
evaluates the ranges. Keys are a superset filter; the decision is always made on the parsed
advisory.

Withdrawn advisories do not match, and of two advisories with one id the one with the later
``modified`` is the one kept, as the schema says. A malformed advisory that a component could
match is reported in ``warnings`` with its file; one that no component names costs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cipipe.readers.osv import Advisory, Affected, OsvError, advisory_from_json
from cipipe.steps.scan.packages import (
    Component,
    PurlKey,
    loose_name,
    names_package,
    normalize_repo_url,
    purl_key,
    query_for,
    repo_name,
    same_release,
)
from cipipe.steps.scan.ranges import GitIsAncestor, evaluate

__all__ = ["AdvisoryIndex", "Component", "Match"]


@dataclass(frozen=True)
class Match:
    component: Component
    advisory: Advisory
    affected: Affected  # the entry that matched
    status: Literal["affected", "undecided"]
    reason: str | None  # why undecided: the step reports it as a warning
    source: str | None  # the file the advisory came from


class AdvisoryIndex:
    """OSV advisories by package: `add` decoded documents or `add_keys` of files, then
    `match` components."""

    def __init__(self) -> None:
        self._documents: list[dict[str, object] | None] = []  # None: read `source` again
        self._sources: list[str | None] = []
        self._modified: list[str | None] = []
        self._parsed: dict[int, Advisory | None] = {}
        self._superseded: set[int] = set()
        self._withdrawn: set[int] = set()
        self._latest: dict[str, int] = {}
        self._by_name: dict[str, list[int]] = {}
        self._by_purl: dict[PurlKey, list[int]] = {}
        self._by_repo: dict[str, list[int]] = {}
        self.withdrawn = 0  # withdrawn documents seen
        self.warnings: list[str] = []

    def __len__(self) -> int:
        """The advisories that take part in matching (withdrawn and superseded ones do not)."""
        return len(self._latest) - len(self._withdrawn.intersection(self._latest.values()))

    @property
    def decoded(self) -> int:
        """How many advisories matching has decoded so far: the candidates, not the database."""
        return len(self._parsed)

    def add(self, document: object, source: str | None = None) -> None:
        """Index one decoded OSV document; ``source`` names it in warnings and matches."""
        advisory_id = document.get("id") if isinstance(document, dict) else None
        if not isinstance(document, dict) or not isinstance(advisory_id, str) or not advisory_id:
            self.warnings.append(f"{source or 'an advisory'}: not an OSV advisory: no 'id'")
            return
        modified = document.get("modified")
        modified = modified if isinstance(modified, str) else None
        if document.get("withdrawn"):
            # Indexed without keys, so that it still supersedes older copies of its id.
            self.withdrawn += 1
            self._insert(advisory_id, modified, (), (), (), None, source, withdrawn=True)
            return
        names: list[str] = []
        purls: list[str] = []
        repos: list[str] = []
        affected = document.get("affected")
        for entry in affected if isinstance(affected, list) else ():
            package = entry.get("package") if isinstance(entry, dict) else None
            if isinstance(package, dict):
                names.extend(v for v in (package.get("name"),) if isinstance(v, str))
                purls.extend(v for v in (package.get("purl"),) if isinstance(v, str))
            ranges = entry.get("ranges") if isinstance(entry, dict) else None
            for rng in ranges if isinstance(ranges, list) else ():
                repo = rng.get("repo") if isinstance(rng, dict) else None
                repos.extend((repo,) if isinstance(repo, str) else ())
        self._insert(advisory_id, modified, names, purls, repos, document, source)

    def add_keys(
        self,
        advisory_id: str,
        modified: str | None,
        names: Iterable[str],
        purls: Iterable[str],
        repos: Iterable[str],
        source: str,
    ) -> None:
        """Index the advisory in file ``source`` by keys found without decoding it (dump.py);
        the file is read again only when a component could match it. ``names`` must hold
        every package name of the advisory, ``purls`` every package URL, ``repos`` every
        range repository; more strings than that only cost a wasted look."""
        self._insert(advisory_id, modified, names, purls, repos, None, source)

    def _insert(
        self,
        advisory_id: str,
        modified: str | None,
        names: Iterable[str],
        purls: Iterable[str],
        repos: Iterable[str],
        document: dict[str, object] | None,
        source: str | None,
        *,
        withdrawn: bool = False,
    ) -> None:
        number = len(self._documents)
        previous = self._latest.get(advisory_id)
        if previous is not None:
            if _moment(modified) <= _moment(self._modified[previous]):
                return
            self._superseded.add(previous)
        self._latest[advisory_id] = number
        if withdrawn:
            self._withdrawn.add(number)
        self._documents.append(document)
        self._sources.append(source)
        self._modified.append(modified)
        for name in names:
            self._by_name.setdefault(loose_name(name), []).append(number)
        for purl in purls:
            key = purl_key(purl)
            if key is not None:
                self._by_purl.setdefault(key, []).append(number)
        for repo in repos:
            self._by_repo.setdefault(normalize_repo_url(repo), []).append(number)
            self._by_name.setdefault(loose_name(repo_name(repo)), []).append(number)

    def match(
        self, component: Component, *, git_is_ancestor: GitIsAncestor | None = None
    ) -> list[Match]:
        """The advisories that affect ``component`` or cannot be decided for it, one `Match`
        per advisory (an affected entry wins over an undecided one), ordered by id.
        ``git_is_ancestor`` answers ancestry in the component's own checkout."""
        query = query_for(component)
        numbers: dict[int, None] = {}
        for name in query.names:
            numbers.update(dict.fromkeys(self._by_name.get(name, ())))
        if query.purl is not None:
            numbers.update(dict.fromkeys(self._by_purl.get(query.purl, ())))
        if query.repo is not None:
            numbers.update(dict.fromkeys(self._by_repo.get(query.repo, ())))
        matches: list[Match] = []
        for number in numbers:
            advisory = None if number in self._superseded else self._advisory(number)
            if advisory is None or advisory.is_withdrawn:
                continue
            found: Match | None = None
            for entry in advisory.affected:
                by_package, by_repo = names_package(entry, query)
                if not (by_package or by_repo) or not same_release(entry, query.suffix):
                    continue
                verdict = evaluate(
                    query.version,
                    _view(entry, query.repo, by_package),
                    git_is_ancestor=git_is_ancestor,
                    commit=query.commit,
                )
                if verdict.affected is False or (found and verdict.affected is None):
                    continue
                status: Literal["affected", "undecided"] = (
                    "affected" if verdict.affected else "undecided"
                )
                found = Match(
                    component, advisory, entry, status, verdict.reason, self._sources[number]
                )
                if verdict.affected:
                    break
            if found is not None:
                matches.append(found)
        return sorted(matches, key=lambda m: m.advisory.id)

    def _advisory(self, number: int) -> Advisory | None:
        if number in self._parsed:
            return self._parsed[number]
        source = self._sources[number]
        advisory: Advisory | None = None
        try:
            document = self._documents[number]
            if document is None and source is not None:
                document = json.loads(Path(source).read_bytes())
            advisory = advisory_from_json(document)
        except OsvError as exc:
            self.warnings.append(f"{source or 'an advisory'}: {exc}")
        except (OSError, ValueError) as exc:
            self.warnings.append(f"{source}: cannot read the advisory: {exc}")
        self._parsed[number] = advisory
        return advisory


def _view(entry: Affected, repo: str | None, by_package: bool) -> Affected:
    """The ranges that apply: GIT ranges of another repository than the component's are left
    out, and so are non-GIT ranges when only the repository matched (their versions are of a
    package ecosystem the component is not known to be in)."""
    if repo is None and by_package:
        return entry
    ranges = tuple(
        r
        for r in entry.ranges
        if (r.type != "GIT" and by_package)
        or (r.type == "GIT" and (repo is None or normalize_repo_url(r.repo or "") == repo))
    )
    return entry if ranges == entry.ranges else replace(entry, ranges=ranges)


def _moment(modified: str | None) -> datetime:
    """``modified`` as a time to compare (an unreadable one is the oldest); OSV times are UTC."""
    try:
        parsed = datetime.fromisoformat(modified or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
