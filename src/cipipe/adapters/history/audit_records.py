"""The chained logs' records as the history store's callers see them: what is appended, what is
read back, where a chain stands and what checking it found. No SQL here, so the steps and the
CLI that write and check the audit logs through ``HistoryStore`` (interface.py) import these
and nothing of the SQL store; ``chain.py``, ``audit.py``, ``outcome_audit.py``,
``model_audit.py`` and ``verify.py`` implement them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

ProblemKind = Literal["changed", "removed", "reordered"]
GENESIS_HASH = "0" * 64
DecisionMode = Literal["shadow", "enforce"]
DECISION_MODES: tuple[str, ...] = get_args(DecisionMode)
MODEL_STATES = ("candidate", "approved", "retired")
# Every chained log by the name its anchors and signatures give it, in the order they are
# verified and printed (``verify.CHAINS`` holds their tables in the same order).
CHAIN_NAMES: tuple[str, ...] = ("decisions", "outcomes", "model_approvals")


@dataclass(frozen=True)
class Head:
    """A chain's newest record: its place, its hash and who signed it (None: unsigned).
    ``seq`` 0 and ``GENESIS_HASH`` stand for an empty chain."""

    seq: int
    hash: str
    key_id: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One risk decision. ``decided_at`` is timezone-aware (naive values are read as UTC);
    ``document`` is the whole decision (risk inputs, score, strategy, pace) as JSON data."""

    service: str
    build_id: str
    decided_at: datetime
    decided_by: str
    mode: DecisionMode
    policy_version: str
    model_version: str | None
    risk_score: float
    strategy: str
    document: Mapping[str, object] = field(compare=False)


@dataclass(frozen=True)
class StoredDecision:
    """A decision as the log holds it: its place in the chain and the hashes linking it."""

    id: int
    decision: DecisionRecord
    prev_hash: str
    hash: str
    key_id: str | None = None
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        d = self.decision
        return {
            "id": self.id,
            "service": d.service,
            "build_id": d.build_id,
            "decided_at": stamp("decided_at", d.decided_at),
            "decided_by": d.decided_by,
            "mode": d.mode,
            "policy_version": d.policy_version,
            "model_version": d.model_version,
            "risk_score": d.risk_score,
            "strategy": d.strategy,
            "decision": dict(d.document),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class StoredModelEvent:
    """One state change of one model version, as the log holds it. ``at`` is aware, UTC."""

    id: int
    version: str
    state: str
    at: datetime
    by: str
    record: Mapping[str, Any] = field(compare=False)
    prev_hash: str
    hash: str
    key_id: str | None = None
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "state": self.state,
            "at": stamp("at", self.at),
            "by": self.by,
            "record": dict(self.record),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class Claim:
    """What one anchor says about one chain: record ``seq`` had ``hash``, signed by ``key_id``
    (None: unsigned). ``source`` names the anchor; ``record`` names the anchored record when
    the anchor knows it ("build 7 of gateway")."""

    seq: int
    hash: str
    key_id: str | None
    source: str
    record: str | None = None


@dataclass(frozen=True)
class Problem:
    """The first record of a chain that is not what was written, and why."""

    seq: int
    what: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


@dataclass
class ChainReport:
    """One chain's verification: which chain (its name in ``CHAIN_NAMES`` and how one of its
    records is called, "decision"), how many records, how their signatures stood, how many
    anchor claims agreed, and the first problem (None: the chain is what was written)."""

    name: str
    noun: str
    records: int = 0
    checked: int = 0
    unchecked: int = 0
    unsigned_before_signing: int = 0
    signed_by: set[str] = field(default_factory=set)
    claims_agreeing: int = 0
    newest_claim: Claim | None = None
    problem: Problem | None = None


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stamp(name: str, value: object) -> str:
    """A time as the chains hash and print it: ISO text in UTC, to the microsecond."""
    return utc(as_datetime(name, value)).isoformat(timespec="microseconds")


def as_datetime(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} is {type(value).__name__}, not a datetime")
    return value
