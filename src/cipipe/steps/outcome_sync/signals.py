"""What a source says about one release, before it is matched to a build and labelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cipipe.adapters.history.interface import OutcomeResult

Source = Literal["argo-rollouts", "flagger", "jenkins", "artifactory"]
SOURCES: tuple[Source, ...] = ("argo-rollouts", "flagger", "jenkins", "artifactory")

# Annotations `--export argo-rollouts` / `--export flagger` write, read back here.
BUILD_ID_ANNOTATION = "cipipe.io/build-id"
SERVICE_ANNOTATION = "cipipe.io/service"
DECISION_ANNOTATION = "cipipe.io/decision"


@dataclass(frozen=True)
class Signal:
    """One object's verdict. ``result`` None: nothing yet (pending). ``since``: when the
    state began (a rollback's time; when a rollout became healthy), None when unknown.
    ``key`` names the evidence: the same object in the same state gives the same key, so a
    re-sync recognises what it recorded."""

    source: Source
    subject: str
    result: OutcomeResult | None
    evidence: str
    key: str
    since: datetime | None = None
    service: str | None = None
    build_id: str | None = None
    images: tuple[str, ...] = ()
    decision: str | None = None
    hold: bool = False
    """The result counts only after the policy's stable window (a healthy rollout)."""


def parse_k8s_time(value: object) -> datetime | None:
    """A Kubernetes ``metav1.Time`` (RFC 3339, ``Z``); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
