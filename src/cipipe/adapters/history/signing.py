"""Signing the audit log: HMAC-SHA256 with a key that only the environment holds.

``CIPIPE_AUDIT_KEY`` (in Jenkins, a Secret text credential bound by ``cipipeStep``) signs every
new record of the chained tables (decisions, outcomes, model approvals) and every anchor. The
key never reaches argv, a log line, a file or build-info: it is read here, kept in a private
attribute and used only as the HMAC key.

What is signed: the canonical JSON of ``{"purpose": ..., **payload}``. A record's payload is
its chain, its position (``seq``, 1 for the first record) and its hash; the hash already
covers every field and, through ``prev_hash``, every record before it, so a valid signature
vouches for the record and the whole chain up to it. The purpose keeps a record's signature
from passing as an anchor's, and a decision's from passing as an outcome's.

Key ids: each signature is stored with the id of the key that made it, the first 16 hex
digits of ``sha256("cipipe-audit-key-id:" + key)``. The id is derived, never configured, so
two keys can never share one and a record cannot claim another key's id. After a rotation
the old keys stay available for verifying only, in ``CIPIPE_AUDIT_PREVIOUS_KEY``,
``CIPIPE_AUDIT_PREVIOUS_KEY_2``, ... (one key a variable, so the log masking hides each).

Without a key (a laptop) records are chained but unsigned, and ``audit verify`` says so;
``CIPIPE_AUDIT_REQUIRE_SIGNATURE=1`` makes a missing key an error for every command that
writes to or verifies the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cipipe.errors import InputError

ENV_KEY = "CIPIPE_AUDIT_KEY"
ENV_PREVIOUS_PREFIX = "CIPIPE_AUDIT_PREVIOUS_KEY"
ENV_REQUIRE = "CIPIPE_AUDIT_REQUIRE_SIGNATURE"
MIN_KEY_LENGTH = 32
KEY_EXPECTED = f"at least {MIN_KEY_LENGTH} characters, e.g. the output of `openssl rand -hex 32`"
KEY_ID_PATTERN = r"^[0-9a-f]{16}$"
SIGNATURE_PATTERN = r"^[0-9a-f]{64}$"
_KEY_ID_DOMAIN = b"cipipe-audit-key-id:"
_TRUE = ("1", "true", "yes", "on")

Purpose = Literal["record", "anchor"]
Check = Literal["valid", "invalid", "unknown-key", "no-keys"]


@dataclass(frozen=True)
class Signature:
    key_id: str
    value: str


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(_KEY_ID_DOMAIN + key).hexdigest()[:16]


def signed_message(purpose: Purpose, payload: Mapping[str, object]) -> bytes:
    """The bytes a signature covers: one text for one value (sorted keys, ASCII, no NaN)."""
    if "purpose" in payload:
        raise ValueError("a signed payload must not carry its own 'purpose'")
    # The chain's canonical form (chain.canonical_json), repeated to keep this module a leaf.
    text = json.dumps(
        {"purpose": purpose, **payload}, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("ascii")


class AuditKeys:
    """The key that signs (if any) and every key that may verify. Never printed: ``repr``
    shows key ids only."""

    __slots__ = ("_by_id", "_signing")

    def __init__(self, signing: bytes | None = None, previous: tuple[bytes, ...] = ()) -> None:
        self._signing = signing
        self._by_id = {key_id_of(k): k for k in (*previous, *([signing] if signing else []))}

    @classmethod
    def none(cls) -> AuditKeys:
        return cls()

    @property
    def signing_key_id(self) -> str | None:
        return key_id_of(self._signing) if self._signing else None

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_id))

    def __repr__(self) -> str:
        return f"AuditKeys(signing={self.signing_key_id}, verifying={list(self.key_ids)})"

    def sign(self, purpose: Purpose, payload: Mapping[str, object]) -> Signature | None:
        """The signature of ``payload`` with the signing key; None without one."""
        if self._signing is None:
            return None
        digest = hmac.new(self._signing, signed_message(purpose, payload), hashlib.sha256)
        return Signature(key_id_of(self._signing), digest.hexdigest())

    def check(
        self, purpose: Purpose, payload: Mapping[str, object], key_id: str, value: str
    ) -> Check:
        """Whether ``value`` is the signature of ``payload`` by the key ``key_id``."""
        if not self._by_id:
            return "no-keys"
        key = self._by_id.get(key_id)
        if key is None:
            return "unknown-key"
        expected = hmac.new(key, signed_message(purpose, payload), hashlib.sha256).hexdigest()
        return "valid" if hmac.compare_digest(expected, value) else "invalid"


def _key(name: str, value: str) -> bytes:
    text = value.strip()
    if len(text) < MIN_KEY_LENGTH:
        # Never quote the value: it is a secret, however short.
        raise InputError(f"the key has {len(text)} characters", field=name, expected=KEY_EXPECTED)
    return text.encode("utf-8")


def keys_from_env(env: Mapping[str, str]) -> AuditKeys:
    """``CIPIPE_AUDIT_KEY`` signs; it and every ``CIPIPE_AUDIT_PREVIOUS_KEY*`` verify. An empty
    variable counts as unset; a key that is too short is an InputError naming the variable."""
    signing = env.get(ENV_KEY, "")
    previous = tuple(
        _key(name, value)
        for name, value in sorted(env.items())
        if name.startswith(ENV_PREVIOUS_PREFIX) and value.strip()
    )
    return AuditKeys(_key(ENV_KEY, signing) if signing.strip() else None, previous)


def signature_required(env: Mapping[str, str]) -> bool:
    return env.get(ENV_REQUIRE, "").strip().lower() in _TRUE


def require_signing_key(keys: AuditKeys, why: str) -> None:
    """Refuse to go on without a signing key (``why``: the flag or variable that asks)."""
    if keys.signing_key_id is None:
        raise InputError(
            f"no audit key is set, and {why} requires signed records",
            field=ENV_KEY,
            expected=f"the audit key in the environment ({KEY_EXPECTED})",
        )


def require_checking_keys(keys: AuditKeys, why: str) -> None:
    """Refuse to verify without any key that could check a signature."""
    if not keys.key_ids:
        raise InputError(
            f"no audit key is set, and {why} requires checking every signature",
            field=ENV_KEY,
            expected=f"the audit key in the environment ({KEY_EXPECTED})",
        )
