"""A policy bundle and a decision runner for the decision rule tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.risk_decision import Mode
from cipipe.contracts.risk_inputs import ArtifactDigest
from cipipe.risk.decide import Decided, decide
from cipipe.risk.policy.bundle import PolicyBundle, load_policy_bundle
from tests.conftest import REPO_ROOT
from tests.risk.riskinputs import make_risk_inputs

BUNDLE = load_policy_bundle(REPO_ROOT / "policies")

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # a Saturday noon: no calendar window

# A runtime context with nothing to slow a rollout down (no traffic peak, freeze or window).
QUIET = {
    "production_qps": 10.0,
    "last_release_rolled_back": False,
    "peak_business": False,
    "maintenance_window": False,
    "change_freeze": False,
}


def built(*platforms: str, planned: Sequence[str] = ()) -> dict[str, Any]:
    """Risk inputs of a build planned for ``planned`` (default: what was built) that shipped
    an artifact for each of ``platforms``."""
    return {
        "targets": list(planned or platforms),
        "artifacts": [
            ArtifactDigest(platform=p, name=f"svc-{p}-1", sha256=f"{i:064x}")
            for i, p in enumerate(platforms, start=1)
        ],
    }


ZERO = {
    **built("linux"),
    "lines_added": 0,
    "lines_deleted": 0,
    "files_changed": 0,
    "dependencies_updated": 0,
    "coverage_delta": 0,
    "module_failure_rate": 0,
}


def run(
    *,
    inputs: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    paths: Sequence[str] | None = ("src/main.cpp",),
    mode: Mode | None = None,
    bundle: PolicyBundle = BUNDLE,
    now: datetime = NOW,
    by: str = "ci@test",
) -> Decided:
    risk_inputs = make_risk_inputs(**{**ZERO, **(inputs or {})})
    return decide(
        risk_inputs,
        "sha256:" + "1" * 64,
        DecisionContext.model_validate({**QUIET, **(context or {})}),
        bundle,
        policy_source="policies",
        changed_paths=paths,
        mode_flag=mode,
        now=now,
        decided_by=by,
    )
