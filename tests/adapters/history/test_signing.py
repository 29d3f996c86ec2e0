"""The audit key: read from the environment only, never shown, ids derived, purposes apart."""

from __future__ import annotations

import pytest

from cipipe.adapters.history.signing import (
    AuditKeys,
    key_id_of,
    keys_from_env,
    require_checking_keys,
    require_signing_key,
    signature_required,
    signed_message,
)
from cipipe.errors import ExitCode, InputError

KEY = "0123456789abcdef0123456789abcdef-current"
OLD = "fedcba9876543210fedcba9876543210-previous"
PAYLOAD = {"chain": "decisions", "seq": 3, "hash": "a" * 64}


def test_a_key_signs_and_every_configured_key_verifies() -> None:
    keys = keys_from_env({"CIPIPE_AUDIT_KEY": KEY, "CIPIPE_AUDIT_PREVIOUS_KEY": OLD})
    signature = keys.sign("record", PAYLOAD)
    assert signature is not None
    assert signature.key_id == keys.signing_key_id == key_id_of(KEY.encode())
    assert len(signature.value) == 64
    assert keys.check("record", PAYLOAD, signature.key_id, signature.value) == "valid"
    old_signature = AuditKeys(OLD.encode()).sign("record", PAYLOAD)
    assert old_signature is not None
    assert keys.check("record", PAYLOAD, old_signature.key_id, old_signature.value) == "valid"
    assert set(keys.key_ids) == {key_id_of(KEY.encode()), key_id_of(OLD.encode())}


def test_signatures_do_not_transfer() -> None:
    keys = AuditKeys(KEY.encode())
    signature = keys.sign("record", PAYLOAD)
    assert signature is not None
    sid, value = signature.key_id, signature.value
    assert keys.check("anchor", PAYLOAD, sid, value) == "invalid"  # another purpose
    assert keys.check("record", {**PAYLOAD, "seq": 4}, sid, value) == "invalid"
    assert keys.check("record", {**PAYLOAD, "chain": "outcomes"}, sid, value) == "invalid"
    assert AuditKeys(OLD.encode()).check("record", PAYLOAD, sid, value) == "unknown-key"
    assert AuditKeys.none().check("record", PAYLOAD, sid, value) == "no-keys"
    assert AuditKeys.none().sign("record", PAYLOAD) is None
    with pytest.raises(ValueError, match="purpose"):
        signed_message("record", {"purpose": "anchor"})


def test_the_key_is_never_shown() -> None:
    keys = keys_from_env({"CIPIPE_AUDIT_KEY": KEY})
    assert KEY not in repr(keys) and KEY not in str(keys)
    assert keys.signing_key_id is not None and keys.signing_key_id not in KEY
    assert keys.signing_key_id != KEY[:16]


def test_a_short_key_is_refused_without_quoting_it() -> None:
    with pytest.raises(InputError) as err:
        keys_from_env({"CIPIPE_AUDIT_KEY": "short-secret"})
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert "short-secret" not in str(err.value)
    assert str(err.value).startswith("CIPIPE_AUDIT_KEY: the key has 12 characters")
    with pytest.raises(InputError, match="CIPIPE_AUDIT_PREVIOUS_KEY_2"):
        keys_from_env({"CIPIPE_AUDIT_KEY": KEY, "CIPIPE_AUDIT_PREVIOUS_KEY_2": "tiny"})


def test_no_key_and_what_requires_one() -> None:
    keys = keys_from_env({"CIPIPE_AUDIT_KEY": "  ", "OTHER_KEY": KEY})
    assert keys.signing_key_id is None and keys.key_ids == ()
    assert signature_required({"CIPIPE_AUDIT_REQUIRE_SIGNATURE": "1"})
    assert not signature_required({"CIPIPE_AUDIT_REQUIRE_SIGNATURE": "0"})
    assert not signature_required({})
    with pytest.raises(InputError, match="CIPIPE_AUDIT_REQUIRE_SIGNATURE=1 requires signed"):
        require_signing_key(keys, "CIPIPE_AUDIT_REQUIRE_SIGNATURE=1")
    with pytest.raises(InputError, match="--require-signed requires checking"):
        require_checking_keys(keys, "--require-signed")
    # A previous key alone may verify, never sign.
    verifier = keys_from_env({"CIPIPE_AUDIT_PREVIOUS_KEY": OLD})
    require_checking_keys(verifier, "--require-signed")
    with pytest.raises(InputError):
        require_signing_key(verifier, "CIPIPE_AUDIT_REQUIRE_SIGNATURE=1")
