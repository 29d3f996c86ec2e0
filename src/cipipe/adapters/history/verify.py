"""Checking a chained log against its signatures and against the anchors kept outside the
database; the heads that anchors record.

One walk per chain, in chain order, stops at the first record that is wrong, so the record it
names is the first one missing or forged:

- ``changed``, ``removed``, ``reordered``: the hash chain itself (``chain.break_at``);
- ``forged``: a signature that does not match, an unsigned record after signed ones, or a
  record that an anchor says was signed and is not (or by another key);
- ``unknown-key``: signed by a key that is not configured (rotate with
  ``CIPIPE_AUDIT_PREVIOUS_KEY*``);
- ``unsigned``: when signatures are required, a chain with records but not one signed;
- ``rewritten``: an anchor says the record at its seq had another hash, so the chain was
  recomputed from some record at or before it;
- ``missing``: an anchor says the chain was longer than the database's, so its newest
  records were removed.

Records from before signing began (an unsigned prefix) are counted, not failed: the first
signed record's hash covers them through ``prev_hash``, so its signature vouches for them
too. Requiring signatures therefore asks that a non-empty chain have a signed record (and
since nothing unsigned may follow a signed one, its newest record is signed): a chain whose
signatures were all stripped no longer passes. Without any key, signatures are counted as
"not checked": the hash chain and the anchors are still checked. What anchors claim comes
from the caller (``Claim``): this module knows nothing of the artifact store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection
from sqlalchemy.engine import Row

from cipipe.adapters.history import audit, model_audit, outcome_audit
from cipipe.adapters.history.audit_records import (
    CHAIN_NAMES,
    GENESIS_HASH,
    ChainReport,
    Claim,
    Head,
    Problem,
)
from cipipe.adapters.history.chain import (
    Chain,
    SqlStore,
    break_at,
    head_in,
    record_payload,
    walk,
)
from cipipe.adapters.history.connection import database_errors
from cipipe.adapters.history.signing import AuditKeys

CHAINS: tuple[Chain, ...] = (audit.CHAIN, outcome_audit.CHAIN, model_audit.CHAIN)
# audit_records.CHAIN_NAMES, the names callers see, are these tables' names in this order.


def chain_named(name: str) -> Chain:
    return next(c for c in CHAINS if c.name == name)


def chain_heads(store: SqlStore) -> dict[str, Head]:
    """Every chain's head, read in one transaction, by chain name."""
    url = store.database_url
    with database_errors(url, "read the audit log heads"), store.engine.begin() as conn:
        return {c.name: head_in(conn, c) for c in CHAINS}


def verify_chains(
    store: SqlStore,
    claims: Iterable[tuple[str, Claim]] = (),
    *,
    require_signed: bool = False,
    only: Sequence[str] = CHAIN_NAMES,
) -> list[ChainReport]:
    """Check the chains named in ``only`` with the store's keys and the anchors' ``claims``
    (chain name, claim); one report per chain, in ``only``'s order."""
    by_chain: dict[str, list[Claim]] = defaultdict(list)
    for name, claim in claims:
        by_chain[name].append(claim)
    keys = store.audit_keys
    with database_errors(store.database_url, "verify the audit log"), store.engine.begin() as conn:
        return [
            _check(conn, chain_named(name), keys, by_chain[name], require_signed) for name in only
        ]


def _check(
    conn: Connection, chain: Chain, keys: AuditKeys, claims: list[Claim], require_signed: bool
) -> ChainReport:
    report = ChainReport(chain.name, chain.noun)
    at_seq: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        at_seq[claim.seq].append(claim)
    expected_prev = GENESIS_HASH
    first = ""
    for seq, row in walk(conn, chain):
        report.records = seq
        what = f"{chain.noun} {seq} ({chain.describe(row)})"
        first = first or what
        found = break_at(conn, chain, seq, row, expected_prev)
        problem = (
            Problem(seq, what, found.kind, found.detail)
            if found is not None
            else _signature_problem(report, chain, keys, row, seq, what)
            or _claims_problem(report, row, at_seq[seq], what)
        )
        if problem is not None:
            report.problem = problem
            return report
        expected_prev = row.hash
    if require_signed and report.records and not report.signed_by:
        report.problem = Problem(
            1,
            first,
            "unsigned",
            "no record of the chain is signed, and signatures are required (were they removed?)",
        )
        return report
    report.problem = _missing(report, claims)
    return report


def _signature_problem(
    report: ChainReport,
    chain: Chain,
    keys: AuditKeys,
    row: Row[tuple[object, ...]],
    seq: int,
    what: str,
) -> Problem | None:
    if row.signature is None:
        if report.signed_by:
            return Problem(
                seq,
                what,
                "forged",
                "unsigned, but records before it are signed: written without the key, or its "
                "signature removed",
            )
        report.unsigned_before_signing += 1
        return None
    key_id = str(row.key_id or "")
    report.signed_by.add(key_id)
    payload = record_payload(chain, seq, str(row.hash))
    verdict = keys.check("record", payload, key_id, str(row.signature))
    if verdict == "valid":
        report.checked += 1
    elif verdict == "no-keys":
        report.unchecked += 1
    elif verdict == "unknown-key":
        return Problem(
            seq,
            what,
            "unknown-key",
            f"signed with key {key_id}, which is not set (CIPIPE_AUDIT_KEY, or "
            "CIPIPE_AUDIT_PREVIOUS_KEY* for a key from before a rotation)",
        )
    else:
        return Problem(
            seq,
            what,
            "forged",
            f"its signature (key {key_id}) does not match: written, or rewritten from some "
            "record on, without the key",
        )
    return None


def _claims_problem(
    report: ChainReport, row: Row[tuple[object, ...]], claims: list[Claim], what: str
) -> Problem | None:
    for claim in claims:
        if claim.hash != row.hash:
            return Problem(
                claim.seq,
                what,
                "rewritten",
                f"the anchor {claim.source} says its hash was {claim.hash[:16]}..., the "
                f"database holds {str(row.hash)[:16]}...: the chain was rewritten at or "
                "before it",
            )
        if claim.key_id is not None and claim.key_id != row.key_id:
            now = f"signed with key {row.key_id}" if row.key_id else "unsigned"
            return Problem(
                claim.seq,
                what,
                "forged",
                f"the anchor {claim.source} says it was signed with key {claim.key_id}; it is "
                f"{now} now",
            )
        report.claims_agreeing += 1
        if report.newest_claim is None or claim.seq > report.newest_claim.seq:
            report.newest_claim = claim
    return None


def _missing(report: ChainReport, claims: Sequence[Claim]) -> Problem | None:
    beyond = [c for c in claims if c.seq > report.records]
    if not beyond:
        return None
    first = report.records + 1
    named = next((c.record for c in beyond if c.seq == first and c.record), None)
    longest = max(beyond, key=lambda c: c.seq)
    noun = report.noun
    return Problem(
        first,
        f"{noun} {first}" + (f" ({named})" if named else ""),
        "missing",
        f"the anchor {longest.source} says the log held {_count(longest.seq, noun)}, the "
        f"database holds {report.records}: the newest were removed",
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
