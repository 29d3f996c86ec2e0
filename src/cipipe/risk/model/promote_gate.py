"""What ``model promote`` asks before a model replaces the approved one (issue 19).

A passing comparison: model-compare.json (``cipipe model compare``) of exactly this candidate
(its model.json digest too) against the version approved now, scored on the history store the
approval is recorded in, made no longer than ``max_age`` ago, with no --fail-if that held.
The first model ever (nothing approved) needs none, and the event says so. ``--force`` with a
reason promotes without one; the reason and what was missing are recorded in the event.
Whatever decided is returned as the evidence the approval event records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cipipe.contracts.model_compare import ModelCompare
from cipipe.errors import InputError

DEFAULT_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Verdict:
    """``problem`` None: the promotion may go ahead; ``evidence`` goes into the event."""

    problem: str | None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Wanted:
    version: str
    approved: str
    metadata_sha256: str
    store: str
    now: datetime
    max_age: timedelta


def _parsed_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _read(path: Path) -> tuple[ModelCompare, str]:
    data = path.read_bytes()
    try:
        found = ModelCompare.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise InputError(
            f"not a model comparison: {where}: {first['msg']}",
            file=str(path),
            expected="model-compare.json written by cipipe model compare",
        ) from None
    return found, hashlib.sha256(data).hexdigest()


def _mismatch(c: ModelCompare, wanted: Wanted) -> str | None:
    if c.candidate.version != wanted.version:
        return f"it compares {c.candidate.version}, not {wanted.version}"
    if c.candidate.metadata_sha256 != wanted.metadata_sha256:
        return f"{wanted.version}'s model.json changed since it was compared"
    if c.current.version != wanted.approved:
        return f"it compares against {c.current.version}, but {wanted.approved} is approved"
    if not c.from_db or c.source != wanted.store:
        return f"it scored {c.source}, not the history store {wanted.store} (--from-db)"
    made = _parsed_time(c.created_at)
    if wanted.now - made > wanted.max_age:
        return f"it was made at {c.created_at}, longer ago than {wanted.max_age}"
    held = [x.expression for x in c.fail_if if x.held]
    if held:
        return "its --fail-if held: " + ", ".join(held)
    return None


def first_model() -> Verdict:
    """Nothing is approved yet: there is nothing to compare with."""
    return Verdict(None, {"comparison": None, "first_model": True})


def check(path: Path, wanted: Wanted) -> Verdict:
    """Whether the comparison at ``path`` lets ``wanted.version`` replace ``wanted.approved``."""
    rerun = f"run `cipipe model compare {wanted.version} {wanted.approved} --from-db`"
    if not path.is_file():
        return Verdict(f"no model comparison at {path}: {rerun}")
    found, digest = _read(path)
    problem = _mismatch(found, wanted)
    if problem is not None:
        return Verdict(f"the model comparison {path} does not allow it: {problem}; {rerun}")
    evidence = {
        "sha256": digest,
        "created_at": found.created_at,
        "current": found.current.version,
        "source": found.source,
        "rows": found.rows,
        "changed_decisions": found.changed_decisions,
        "fail_if": [x.expression for x in found.fail_if],
    }
    return Verdict(None, {"comparison": evidence})


def forced(verdict: Verdict, reason: str) -> Verdict:
    """Promotion without a passing comparison: the reason and what was missing recorded."""
    evidence = {"comparison": None, **verdict.evidence}
    return Verdict(None, {**evidence, "forced": True, "reason": reason, "missing": verdict.problem})


def how_approved(record: Mapping[str, Any]) -> str | None:
    """One phrase for ``model list``: what let an approval event through (None: an event
    recorded before promotions were gated)."""
    if record.get("forced"):
        return f"forced: {record.get('reason')}"
    comparison = record.get("comparison")
    if isinstance(comparison, Mapping) and comparison.get("sha256"):
        return f"compared with {comparison.get('current')} ({str(comparison['sha256'])[:12]})"
    if record.get("first_model"):
        return "first model, no comparison"
    return None
