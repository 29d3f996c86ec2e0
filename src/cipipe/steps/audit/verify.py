"""cipipe audit verify: the chains in the history store, their signatures, and the anchors in
the artifact store, in one verdict.

Every anchor found in the store (property ``audit.anchor=1``) is read and its own signature
checked first: an anchor that is unreadable, whose signature does not match, or that is
signed by a key that is not set is refused (a failure) and its claims are not used. When
signatures are required, unsigned anchors (from before signing began) are not used either,
but are no failure: the signed ones are the evidence. The claims of the others (each chain's
seq and head hash) go to ``HistoryStore.verify_chains``, which walks each chain once and
names its first missing or forged record.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.history.audit_records import CHAIN_NAMES, ChainReport, Claim
from cipipe.adapters.history.interface import HistoryStore
from cipipe.adapters.history.signing import AuditKeys
from cipipe.contracts.audit_anchor import AuditAnchor
from cipipe.errors import InputError
from cipipe.steps.audit.anchor import ANCHOR_PROPERTY, REASON_CHAIN


@dataclass(frozen=True)
class Refused:
    """An anchor whose claims do not count: where it is, why, and the kind of problem."""

    path: str
    why: str
    kind: str  # forged | unknown-key

    def __str__(self) -> str:
        return f"anchor {self.path} is refused: {self.why} [{self.kind}]"


@dataclass(frozen=True)
class Judged:
    """One anchor read from the store: its claims count (signed and checked, signed but not
    checkable without a key, or unsigned), or it is refused."""

    anchor: AuditAnchor | None
    status: Literal["checked", "unchecked", "unsigned", "refused"]
    why: str = ""
    kind: str = ""


@dataclass
class Anchors:
    """What the store holds: where it is, the anchors whose claims count, and the ones that
    were refused, with why."""

    location: str
    trusted: list[tuple[str, AuditAnchor]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    unsigned: int = 0
    unchecked: int = 0
    ignored: int = 0  # unsigned, while signatures are required


@dataclass(frozen=True)
class Verification:
    reports: list[ChainReport]
    anchors: Anchors | None  # None: the store was not asked

    @property
    def intact(self) -> bool:
        refused = self.anchors.refused if self.anchors else []
        return not refused and all(r.problem is None for r in self.reports)


def verify_audit(
    history: HistoryStore, store: ArtifactStore | None, *, require_signed: bool = False
) -> Verification:
    anchors = read_anchors(store, history.audit_keys, require_signed) if store else None
    trusted = anchors.trusted if anchors else []
    claims = [claim for path, anchor in trusted for claim in claims_of(path, anchor)]
    reports = history.verify_chains(claims, require_signed=require_signed)
    return Verification(reports, anchors)


def read_anchors(store: ArtifactStore, keys: AuditKeys, require_signed: bool) -> Anchors:
    found = Anchors(store.location)
    with tempfile.TemporaryDirectory(prefix="cipipe-anchors.") as folder:
        for n, stored in enumerate(store.search({ANCHOR_PROPERTY: "1"})):
            local = Path(folder) / f"{n}.json"
            store.download(stored.path, local)
            judged = judge(local, keys)
            if judged.anchor is None:
                found.refused.append(Refused(stored.path, judged.why, judged.kind))
            elif judged.status == "unsigned" and require_signed:
                found.ignored += 1
            else:
                found.trusted.append((stored.path, judged.anchor))
                found.unsigned += judged.status == "unsigned"
                found.unchecked += judged.status == "unchecked"
    return found


def judge(local: Path, keys: AuditKeys) -> Judged:
    """Whether the anchor in ``local`` may be believed, and why not."""
    from cipipe.contracts.loading import read_contract

    try:
        anchor = read_contract(AuditAnchor, local)
    except InputError as exc:
        return Judged(None, "refused", f"not a valid audit anchor ({exc.detail})", "forged")
    if anchor.signature is None or anchor.key_id is None:
        return Judged(anchor, "unsigned")
    verdict = keys.check("anchor", anchor.signed_payload(), anchor.key_id, anchor.signature)
    if verdict == "valid":
        return Judged(anchor, "checked")
    if verdict == "no-keys":
        return Judged(anchor, "unchecked")
    if verdict == "unknown-key":
        why = f"signed with key {anchor.key_id}, which is not set"
        return Judged(None, "refused", why, "unknown-key")
    why = f"its signature (key {anchor.key_id}) does not match: edited without the key"
    return Judged(None, "refused", why, "forged")


def claims_of(path: str, anchor: AuditAnchor) -> list[tuple[str, Claim]]:
    heads = {name: getattr(anchor.heads, name) for name in CHAIN_NAMES}
    own = REASON_CHAIN[anchor.reason]
    record = f"build {anchor.build_id} of {anchor.service}"
    if anchor.reason == "outcome":
        record = f"an outcome of {record}"
    return [
        (name, Claim(head.seq, head.hash, head.key_id, path, record if name == own else None))
        for name, head in heads.items()
        if head.seq > 0
    ]


def report_lines(result: Verification) -> list[str]:
    """What `audit verify` prints: one line per chain, the anchors, then the verdict."""
    lines = [_chain_line(r, result.anchors is not None) for r in result.reports]
    if result.anchors is not None:
        lines += _anchor_lines(result.anchors)
    if result.intact:
        counts = ", ".join(_count(r.records, r.noun) for r in result.reports)
        lines.append(f"audit log intact: {counts}")
    return lines


def _chain_line(report: ChainReport, anchors_asked: bool) -> str:
    label = report.noun + "s"
    if report.problem is not None:
        return f"{label} chain broken at {report.problem} [{report.problem.kind}]"
    parts = [f"{label}: {report.records} intact"]
    if report.checked:
        keys = ", ".join(sorted(report.signed_by))
        parts.append(f"{report.checked} signed and checked (key {keys})")
    if report.unchecked:
        parts.append(f"{report.unchecked} signed but not checked: CIPIPE_AUDIT_KEY is not set")
    if report.unsigned_before_signing:
        when = " from before signing began" if report.signed_by else ""
        parts.append(f"{report.unsigned_before_signing} unsigned{when}")
    newest = report.newest_claim
    if newest is not None:
        newer = report.records - newest.seq
        later = f", {newer} newer not anchored yet" if newer else ""
        parts.append(f"anchored up to {newest.seq} by {newest.source}{later}")
    elif anchors_asked and report.records:
        parts.append("no anchor covers it")
    return "; ".join(parts)


def _anchor_lines(anchors: Anchors) -> list[str]:
    total = len(anchors.trusted) + len(anchors.refused) + anchors.ignored
    line = f"anchors: {total} in {anchors.location}"
    if anchors.unsigned:
        line += f", {anchors.unsigned} unsigned"
    if anchors.ignored:
        line += f", {anchors.ignored} unsigned and not used (signatures are required)"
    if anchors.unchecked:
        line += f", {anchors.unchecked} signed but not checked: CIPIPE_AUDIT_KEY is not set"
    lines = [line]
    lines += [str(refused) for refused in anchors.refused]
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
