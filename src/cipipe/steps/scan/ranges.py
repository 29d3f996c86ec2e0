"""Is one version of a package affected by one OSV ``affected`` entry?

This is the schema's evaluation algorithm ("Evaluation" in the OSV schema document):

- the version is affected when it is listed in ``versions`` or lies in any one of ``ranges``;
- a SEMVER or ECOSYSTEM range is a timeline: its events are sorted by version and the last
  event at or below the version decides (``introduced`` <= v: affected, ``fixed`` <= v: not,
  ``last_affected`` < v: not), after ``limit`` events, if any, have cut the range off at the
  first limit above the version. ``introduced: "0"`` sorts before every version and a limit
  containing "*" is infinity.

Where the schema leaves room, this module decides as follows:

- Ties. Events of equal version sort introduced, last_affected, fixed: a version equal to a
  ``fixed`` value is never affected through that event, whatever else the range says about the
  same version.
- ``versions``. A listed version matches by string equality, as the pseudocode has it. When
  the entry has no SEMVER or ECOSYSTEM range, the list is all there is to go on, and a version
  also matches one equal to it under the ecosystem's order: a GIT entry's tags ("v2.1.3",
  lwIP's "STABLE-2_1_3") are equal to the version 2.1.3 a build recorded under the generic
  order. With such ranges present the list only repeats them (osv.dev fills it in from the
  ranges), and a version the list spells differently is decided by the ranges.
- GIT ranges are partially ordered: ``u < v`` when commit u is an ancestor of v. A commit C is
  affected when some ``introduced`` is an ancestor of C or C itself ("0": any C), no ``fixed`` is
  an ancestor of C or C itself, no ``last_affected`` is a strict ancestor of C, and, when there
  are ``limit`` events, C is a strict ancestor of one of them (osv.dev's "X..Y", X included).
  A fix that is a strict ancestor of an introducing commit therefore still counts: like osv.dev,
  which looks for one introduced and one fixed commit per branch, a vulnerability re-introduced
  after its fix needs a range of its own. The ancestry test is the caller's callback
  ``git_is_ancestor(ancestor, descendant)`` (true also when the two are the same commit, like
  ``git merge-base --is-ancestor``); without one, GIT ranges cannot be decided.
- A component known only by a version (no commit) is not checked against GIT ranges when the
  entry has a ``versions`` list or other ranges, which the schema says describe the same
  versions; when GIT ranges are all there is, the result is undecided.

Three results: affected (True), not affected (False), and undecided (None) when a version will
not parse, a range type is unknown, or an ancestry check is impossible. Ranges combine by "or":
True if any says True, else None if any is undecided, else False.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from cipipe.readers.osv import Affected, Range
from cipipe.steps.scan.versions import GENERIC, SEMVER, SortKey, VersionOrder, order_for

GitIsAncestor = Callable[[str, str], bool]
"""``git_is_ancestor(ancestor, descendant)``: True when ``ancestor`` is ``descendant`` or one of
its ancestors. It may raise for a commit the repository does not have; that is undecided."""

_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")
_RANK = {"introduced": 0, "last_affected": 1, "fixed": 2}


@dataclass(frozen=True)
class Verdict:
    affected: bool | None  # None: cannot decide
    reason: str | None = None  # why not, when undecided


AFFECTED = Verdict(True)
NOT_AFFECTED = Verdict(False)


def evaluate(
    version: str,
    affected: Affected,
    *,
    ecosystem_order: VersionOrder | None = None,
    git_is_ancestor: GitIsAncestor | None = None,
    commit: str | None = None,
) -> Verdict:
    """Whether ``version`` (and, for GIT ranges, ``commit``) is affected, with a reason when
    undecided. ``ecosystem_order`` orders ECOSYSTEM ranges; by default the order of the entry's
    ecosystem. GIT ranges use ``commit``, or ``version`` itself when it is a commit hash."""
    if ecosystem_order is None:
        ecosystem_order = order_for(affected.package.ecosystem) if affected.package else GENERIC
    git_is_all = all(r.type == "GIT" for r in affected.ranges)
    if version in affected.versions or (
        version and git_is_all and _listed(version, affected.versions, ecosystem_order)
    ):
        return AFFECTED
    if commit is None and _COMMIT.fullmatch(version) and len(version) >= 40:
        commit = version
    verdicts: list[Verdict] = []
    for rng in affected.ranges:
        if rng.type == "GIT":
            if commit is None:
                if git_is_all and not affected.versions:
                    verdicts.append(Verdict(None, f"GIT range of {rng.repo} needs a commit"))
                continue
            verdict = _git(commit, rng, git_is_ancestor)
        elif rng.type == "SEMVER":
            verdict = _linear(version, rng, SEMVER)
        elif rng.type == "ECOSYSTEM":
            verdict = _linear(version, rng, ecosystem_order)
        else:
            verdict = Verdict(None, f"unknown range type {rng.type!r}")
        if verdict.affected:
            return verdict
        verdicts.append(verdict)
    return next((v for v in verdicts if v.affected is None), NOT_AFFECTED)


def _listed(version: str, versions: tuple[str, ...], order: VersionOrder) -> bool:
    """Whether ``versions`` holds a version equal to ``version`` under ``order``."""
    if not versions:
        return False
    key = order.key(version)
    if key is None:
        return False
    for listed in versions:
        other = order.key(listed)
        try:
            if other is not None and other == key:
                return True
        except Exception:
            continue
    return False


def _linear(version: str, rng: Range, order: VersionOrder) -> Verdict:
    key = order.key(version)
    if key is None:
        return Verdict(None, f"version {version!r} is not a valid {order.name} version")
    timeline: list[tuple[tuple[int, SortKey, int], str]] = []
    limits: list[SortKey] = []
    unlimited = False
    for event in rng.events:
        if event.kind == "limit":
            if "*" in event.value:
                unlimited = True
                continue
            limit = order.key(event.value)
            if limit is None:
                return _bad_event(event.kind, event.value, order)
            limits.append(limit)
        elif event.kind == "introduced" and event.value == "0":
            timeline.append(((0, None, 0), event.kind))
        else:
            event_key = order.key(event.value)
            if event_key is None:
                return _bad_event(event.kind, event.value, order)
            timeline.append(((1, event_key, _RANK[event.kind]), event.kind))
    try:
        if limits and not unlimited and not any(key < limit for limit in limits):
            return NOT_AFFECTED
        timeline.sort(key=lambda item: item[0])
        vulnerable = False
        for (_, event_key, _), kind in timeline:
            if kind == "introduced":
                if event_key is None or key >= event_key:
                    vulnerable = True
            elif kind == "fixed":
                if key >= event_key:
                    vulnerable = False
            elif key > event_key:  # last_affected
                vulnerable = False
    except Exception as exc:  # a univers comparison that fails on odd input
        return Verdict(None, f"cannot compare {version!r} in {order.name} order: {exc}")
    return AFFECTED if vulnerable else NOT_AFFECTED


def _bad_event(kind: str, value: str, order: VersionOrder) -> Verdict:
    return Verdict(None, f"{kind} {value!r} is not a valid {order.name} version")


def _git(commit: str, rng: Range, is_ancestor: GitIsAncestor | None) -> Verdict:
    if is_ancestor is None:
        return Verdict(None, f"GIT range of {rng.repo} needs the repository's history")
    introduced = [e.value for e in rng.events if e.kind == "introduced"]
    fixed = [e.value for e in rng.events if e.kind == "fixed"]
    last_affected = [e.value for e in rng.events if e.kind == "last_affected"]
    limits = [e.value for e in rng.events if e.kind == "limit"]
    try:
        if not any(v == "0" or is_ancestor(v, commit) for v in introduced):
            return NOT_AFFECTED
        if any(is_ancestor(v, commit) for v in fixed):
            return NOT_AFFECTED
        if any(not _same_commit(v, commit) and is_ancestor(v, commit) for v in last_affected):
            return NOT_AFFECTED
        if limits and not any(
            "*" in v or (not _same_commit(v, commit) and is_ancestor(commit, v)) for v in limits
        ):
            return NOT_AFFECTED
    except Exception as exc:
        return Verdict(None, f"ancestry check in {rng.repo} failed: {exc}")
    return AFFECTED


def _same_commit(a: str, b: str) -> bool:
    """Equal hashes, allowing one to be an abbreviation of the other."""
    a, b = a.lower(), b.lower()
    return a.startswith(b) or b.startswith(a) if min(len(a), len(b)) >= 7 else a == b
