"""Pinning the policy: only a bundle whose version id is on a trusted list is used.

A version id is the sha256 of the bundle's canonical content, so a pin names exact content.
The content-hash check of a fetched bundle only proves that what arrived is what the server
meant to send; a server (or whoever can write to the policy repository it serves) that
publishes another bundle recomputes a matching id with it. The pin is the caller's own
statement of which policies it trusts, so such a bundle is refused, from the server and from
the cache alike.

A refusal is exit 2, like the content-hash check: the policy is an input of the decision and
retrying cannot fix it. Either the pin is stale (review the new policy, then add its id to the
pin) or the server serves something it should not.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from cipipe.errors import InputError
from cipipe.risk.policy.bundle import PolicyBundle

PIN_FIELD = "--policy-pin / CIPIPE_POLICY_PIN"
_VERSION_ID = re.compile(r"sha256:[0-9a-f]{64}")


def parse_pins(text: str | None) -> frozenset[str]:
    """The trusted version ids in ``text`` (comma separated); empty or None: no pin."""
    if text is None or not text.strip():
        return frozenset()
    pins = set()
    for item in text.split(","):
        pin = item.strip().lower()
        if not _VERSION_ID.fullmatch(pin):
            raise InputError(
                f"got {item.strip()[:80]!r}",
                field=PIN_FIELD,
                expected="policy version ids (sha256:<64 hex digits>), comma separated",
            )
        pins.add(pin)
    return frozenset(pins)


def is_pinned(version_id: str, pins: Collection[str]) -> bool:
    return not pins or version_id in pins


def check_pinned(bundle: PolicyBundle, pins: Collection[str], source: str) -> None:
    """Refuse ``bundle`` (from ``source``, a folder or a URL without credentials) when it is
    not one of ``pins``; no pins: every valid bundle is accepted."""
    if is_pinned(bundle.version_id, pins):
        return
    raise InputError(
        f"policy {bundle.version_id} is not a pinned version; refusing it",
        file=source,
        field=PIN_FIELD,
        expected=describe_pins(pins),
    )


def describe_pins(pins: Collection[str]) -> str:
    ordered = sorted(pins)
    shown = ", ".join(ordered[:3])
    more = f" and {len(ordered) - 3} more" if len(ordered) > 3 else ""
    return f"one of {shown}{more}"
