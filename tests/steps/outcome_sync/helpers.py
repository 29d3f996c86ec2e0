"""Upstream Rollout / Canary documents (tests/data/rollouts/README.md) and the annotations
cipipe's export adds to them."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import REPO_ROOT

ROLLOUTS = REPO_ROOT / "tests" / "data" / "rollouts"


def upstream(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROLLOUTS / f"{name}.json").read_text())
    return document


def annotated(
    document: dict[str, Any], service: str, build_id: str, decision: str | None = None
) -> dict[str, Any]:
    """The document as the export leaves it: the build (and decision) in the pod template."""
    copied = copy.deepcopy(document)
    template = copied["spec"].setdefault("template", {}).setdefault("metadata", {})
    notes = {"cipipe.io/service": service, "cipipe.io/build-id": build_id}
    if decision is not None:
        notes["cipipe.io/decision"] = decision
    template.setdefault("annotations", {}).update(notes)
    return copied


def healthy(document: dict[str, Any], since: str) -> dict[str, Any]:
    """``document`` as a current controller reports it once the update is healthy: phase
    Healthy and a Healthy condition (types.go RolloutHealthy) since ``since``."""
    copied = copy.deepcopy(document)
    status = copied["status"]
    status.pop("pauseConditions", None)
    status["controllerPause"] = False
    status["phase"] = "Healthy"
    status["conditions"].append(
        {
            "lastTransitionTime": since,
            "lastUpdateTime": since,
            "message": "Rollout is healthy",
            "reason": "RolloutHealthy",
            "status": "True",
            "type": "Healthy",
        }
    )
    return copied


def canary(status: dict[str, Any], service: str, build_id: str) -> dict[str, Any]:
    """A Flagger Canary carrying ``status`` and the export's annotations."""
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {
            "name": "podinfo",
            "namespace": "test",
            "annotations": {"cipipe.io/service": service, "cipipe.io/build-id": build_id},
        },
        "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"}},
        "status": copy.deepcopy(status),
    }
