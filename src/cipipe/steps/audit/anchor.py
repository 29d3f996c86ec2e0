"""Anchoring the audit log: where every chain stands, signed, beside the build in the store.

Right after a decision (or an outcome) is appended, ``seal`` reads the heads of every chain
(decisions, outcomes, model approvals) and pins the one just written, so the anchor names
that exact record. ``upload`` puts the anchor at ``<service>/<buildId>/audit-anchor.json``
(``audit-anchor-outcome.json`` for an outcome) with the properties ``audit.anchor=1``,
``audit.reason``, ``build.name``, ``build.number`` and ``service``, so ``audit verify`` finds
every anchor with one property search. A rerun replaces the build's anchor with a later one,
which covers everything the earlier one did: its heads are further along the same chains.

The anchor has no ``state`` property: it is evidence about the log, not part of the candidate.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cipipe.adapters.artifact_store.interface import ArtifactStore, LocalFile, join_path
from cipipe.adapters.history.audit_records import Head
from cipipe.adapters.history.interface import HistoryStore
from cipipe.contracts.audit_anchor import AnchorReason, AuditAnchor, ChainHead, ChainHeads
from cipipe.digests import digest_file

ANCHOR_PROPERTY = "audit.anchor"
REASON_CHAIN: dict[AnchorReason, str] = {"decision": "decisions", "outcome": "outcomes"}


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def seal(
    history: HistoryStore,
    reason: AnchorReason,
    service: str,
    build_id: str,
    at: datetime,
    own: Head,
) -> AuditAnchor:
    """The anchor after ``own`` (the record just appended for this build) was written:
    every chain's head, that chain's pinned to ``own``; signed when the store has the key."""
    heads = history.chain_heads()
    heads[REASON_CHAIN[reason]] = own
    unsigned = AuditAnchor(
        reason=reason,
        service=service,
        build_id=build_id,
        anchored_at=stamp(at.astimezone(UTC)),
        heads=ChainHeads(
            **{n: ChainHead(seq=h.seq, hash=h.hash, key_id=h.key_id) for n, h in heads.items()}
        ),
        key_id=None,
        signature=None,
    )
    keys = history.audit_keys
    key_id = keys.signing_key_id
    if key_id is None:
        return unsigned
    signature = keys.sign("anchor", {**unsigned.signed_payload(), "key_id": key_id})
    assert signature is not None  # a signing key id means a signing key
    return unsigned.model_copy(update={"key_id": signature.key_id, "signature": signature.value})


def anchor_path(anchor: AuditAnchor) -> str:
    return join_path(anchor.service, anchor.build_id, anchor.file_name)


def upload(store: ArtifactStore, anchor: AuditAnchor) -> str:
    """Put the anchor beside the build's files; returns its store path."""
    path = anchor_path(anchor)
    properties = {
        ANCHOR_PROPERTY: "1",
        "audit.reason": anchor.reason,
        "build.name": anchor.service,
        "build.number": anchor.build_id,
        "service": anchor.service,
    }
    with tempfile.TemporaryDirectory(prefix="cipipe-anchor.") as folder:
        file = Path(folder) / anchor.file_name
        file.write_text(anchor.to_json(), encoding="utf-8")
        d = digest_file(file, threads=1)
        store.upload(LocalFile(file, d.size, d.sha256, d.sha1, d.md5), path, properties)
    return path


def published_in(store: ArtifactStore, service: str, build_id: str) -> bool:
    """Whether the build was published to ``store``: its build-info.json is there."""
    return store.stat(join_path(service, build_id, "build-info.json")) is not None
