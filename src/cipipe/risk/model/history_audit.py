"""A promotion, as the history store's model approvals log records it.

``Registry.promote`` changes the registry (model.json and approvals.jsonl); this module writes
the same state changes, with their evidence, to the hash-chained ``model_approvals`` table
beside the decisions the approved model will score: the version approved (its test metrics and
the sha256 of its files, so the record names the exact model bytes) and the version it retired.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cipipe.risk.model import ModelError
from cipipe.risk.model.scoring import read_metadata

if TYPE_CHECKING:
    from cipipe.adapters.history.chain import Target
    from cipipe.risk.model.registry import Registry


def evidence(registry: Registry, version: str) -> dict[str, Any]:
    """What the registry says about ``version``: when made, its test metrics, its files."""
    try:
        data = read_metadata(registry.folder(version))
    except ModelError as exc:
        return {"metadata_error": str(exc)}
    return {
        "created_at": data.get("created_at"),
        "metrics": (data.get("metrics") or {}).get("test") or {},
        "files": data.get("files") or {},
    }


def record_promotion(
    target: Target,
    registry: Registry,
    version: str,
    previous: str | None,
    *,
    by: str,
    at: datetime,
) -> list[str]:
    """Append "``version`` approved" and, if one was, "``previous`` retired"; their hashes."""
    from cipipe.adapters.history.model_audit import append_model_event

    where = str(registry.root)
    approved = {
        **evidence(registry, version),
        "action": "promote",
        "registry": where,
        "previous_approved": previous,
    }
    hashes = [append_model_event(target, version, "approved", by, at, approved).hash]
    if previous is not None:
        retired = {
            **evidence(registry, previous),
            "action": "promote",
            "registry": where,
            "replaced_by": version,
        }
        hashes.append(append_model_event(target, previous, "retired", by, at, retired).hash)
    return hashes
