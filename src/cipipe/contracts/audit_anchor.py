"""audit-anchor.json: the heads of the history store's audit chains, kept outside the database.

A hash chain shows an edited record but not a removed tail, nor a chain recomputed from some
record on. So after each decision (and each outcome of a published build) cipipe writes where
every chain stood, its seq and head hash, beside the build in the artifact store, and into
risk-decision.json; ``cipipe audit verify`` compares every anchor it finds with the database.

``signature`` is the audit key's HMAC-SHA256 over the canonical JSON of every other field
(``signed_payload``), so an anchor cannot be edited in the store without the key either.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from cipipe.contracts.base import Contract, Strict
from cipipe.identifiers import BuildIdText, Name

HexHash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
KeyId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
AnchorReason = Literal["decision", "outcome"]


class ChainHead(Strict):
    seq: int = Field(ge=0, description="Records in the chain when anchored (0: it was empty)")
    hash: HexHash = Field(description="The hash of record `seq` (64 zeros: empty chain)")
    key_id: KeyId | None = Field(
        description="The key that signed record `seq`; null: it was not signed"
    )


class ChainHeads(Strict):
    decisions: ChainHead
    outcomes: ChainHead
    model_approvals: ChainHead


class AuditAnchor(Contract):
    SCHEMA_NAME = "audit-anchor"
    FILE_NAME = "audit-anchor.json"
    OUTCOME_FILE_NAME: ClassVar[str] = "audit-anchor-outcome.json"

    reason: AnchorReason = Field(description="What was just recorded: a decision or an outcome")
    service: Name
    build_id: BuildIdText
    anchored_at: str = Field(description="When (ISO 8601, UTC)")
    heads: ChainHeads = Field(
        description="Every chain's head; the one named by `reason` is this build's record"
    )
    key_id: KeyId | None = Field(description="The key that signed this anchor; null: unsigned")
    signature: HexHash | None = Field(
        description="HMAC-SHA256 of the canonical JSON of every other field; null: unsigned"
    )

    @model_validator(mode="after")
    def _signed_as_a_whole(self) -> AuditAnchor:
        if (self.key_id is None) != (self.signature is None):
            raise ValueError("key_id and signature go together: both set or both null")
        return self

    def signed_payload(self) -> dict[str, Any]:
        """Every field but the signature, as JSON data: what the signature covers."""
        return self.model_dump(mode="json", by_alias=True, exclude={"signature"})

    @property
    def file_name(self) -> str:
        return self.FILE_NAME if self.reason == "decision" else self.OUTCOME_FILE_NAME
