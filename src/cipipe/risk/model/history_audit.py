"""A promotion, as the history store's model approvals log records it, and the check that
decide-strategy makes against that log before a model may score.

``Registry.promote`` changes the registry (model.json and approvals.jsonl); this module writes
the same state changes, with their evidence, to the hash-chained (and, with the audit key,
signed) ``model_approvals`` table beside the decisions the approved model will score: the
version approved (its test metrics, the sha256 of its files and of its model.json without the
approval state, so the record names the exact model) and the version it retired.

The registry folder is files anyone with write access can edit: ``approval.state: approved``
typed into model.json makes a model look approved. So ``approval_problem`` asks the log: the
model approvals chain must be intact (and its signatures valid), its newest event for the
version must be "approved", no other version may have been approved after it, and the files
and model.json must be the ones that were approved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cipipe.risk.model import ModelError
from cipipe.risk.model.files import read_metadata

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import HistoryStore
    from cipipe.risk.model.registry import Registry


def metadata_digest(metadata: Mapping[str, Any]) -> str:
    """sha256 of model.json's canonical JSON without ``approval`` (which every state change
    rewrites): features, transforms, file hashes, metrics, everything that scores."""
    data = {k: v for k, v in metadata.items() if k != "approval"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def evidence(registry: Registry, version: str) -> dict[str, Any]:
    """What the registry says about ``version``: when made, its test metrics, its files and
    the digest of its model.json."""
    try:
        data = read_metadata(registry.folder(version))
    except ModelError as exc:
        return {"metadata_error": str(exc)}
    return {
        "created_at": data.get("created_at"),
        "metrics": (data.get("metrics") or {}).get("test") or {},
        "files": data.get("files") or {},
        "metadata_sha256": metadata_digest(data),
    }


def record_promotion(
    target: HistoryStore,
    registry: Registry,
    version: str,
    previous: str | None,
    *,
    by: str,
    at: datetime,
    gate: Mapping[str, Any] | None = None,
) -> list[str]:
    """Append "``version`` approved" and, if one was, "``previous`` retired"; their hashes.
    ``gate``: what allowed it (``promote_gate``: the comparison's hash, or the forced reason)."""
    where = str(registry.root)
    approved = {
        **evidence(registry, version),
        "action": "promote",
        "registry": where,
        "previous_approved": previous,
        **(gate or {}),
    }
    hashes = [target.append_model_event(version, "approved", by, at, approved).hash]
    if previous is not None:
        retired = {
            **evidence(registry, previous),
            "action": "promote",
            "registry": where,
            "replaced_by": version,
        }
        hashes.append(target.append_model_event(previous, "retired", by, at, retired).hash)
    return hashes


def approval_problem(
    target: HistoryStore, version: str, metadata: Mapping[str, Any], *, require_signed: bool = False
) -> str | None:
    """Why the history store's model approvals log does not vouch for ``version`` with this
    ``metadata`` (its model.json); None when it does."""
    (report,) = target.verify_chains(only=("model_approvals",), require_signed=require_signed)
    if report.problem is not None:
        return (
            f"the history store's model approvals log is broken at {report.problem} "
            f"[{report.problem.kind}]"
        )
    events = target.model_approvals()
    own = [e for e in events if e.version == version]
    if not own:
        return (
            f"model {version} is approved in model.json, but the history store's model "
            "approvals log holds no approval of it (approve it with `cipipe model promote`)"
        )
    last = own[-1]
    if last.state != "approved":
        return (
            f"model {version} is approved in model.json, but the history store's model "
            f"approvals log says {last.state} (by {last.by})"
        )
    newer = [e.version for e in events if e.id > last.id and e.state == "approved"]
    if newer:
        return f"model {version} was superseded by {newer[-1]} in the model approvals log"
    return _digest_problem(version, last.record, metadata)


def _digest_problem(
    version: str, approved: Mapping[str, Any], metadata: Mapping[str, Any]
) -> str | None:
    files = approved.get("files")
    if files and files != metadata.get("files"):
        return (
            f"model {version}'s files are not the ones approved (their sha256 in model.json "
            "differ from the model approvals log)"
        )
    digest = approved.get("metadata_sha256")
    if digest and digest != metadata_digest(metadata):
        return f"model {version}'s model.json is not the one approved (its digest differs)"
    return None
