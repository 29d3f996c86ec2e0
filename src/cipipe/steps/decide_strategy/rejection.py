"""A build the gate rejected gets no rollout decision.

The gate says so in two places: gate.json in the work folder (verdict ``rejected``) and, once
it has told the store, ``state=rejected`` on the published build's files. Either one stops
decide-strategy (exit 1) before it audits, writes or attaches anything, unless
``--allow-rejected`` asks for a decision for analysis: then the decision records why the build
was rejected, and nothing is set on the rejected files.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cipipe.adapters.artifact_store.interface import StoredFile
from cipipe.contracts.gate import GateReport
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.errors import RefusedError

log = logging.getLogger("cipipe.decide_strategy")

REFUSAL = "rejected by the gate: no rollout"
REJECTED = "rejected"


def gate_rejection(gate: GateReport | None, inputs: RiskInputs) -> str | None:
    """Why gate.json rejected this build; None when it did not (or is of another build)."""
    if gate is None or gate.verdict != REJECTED:
        return None
    if (gate.service, gate.build_id) != (inputs.service, inputs.build_id):
        log.warning(
            "gate.json is of %s build %s, not of %s build %s: its verdict is not this build's",
            gate.service,
            gate.build_id,
            inputs.service,
            inputs.build_id,
        )
        return None
    return f"gate.json: {gate.summary}"


def store_rejection(members: Sequence[StoredFile], location: str) -> str | None:
    """Why the store holds this build as rejected; None when no file of it is."""
    rejected = [f.path for f in members if REJECTED in f.properties.get("state", ())]
    if not rejected:
        return None
    more = f" and {len(rejected) - 1} more file(s)" if len(rejected) > 1 else ""
    return f"state={REJECTED} on {rejected[0]}{more} in {location}"


def refuse_unless_allowed(inputs: RiskInputs, reason: str | None, *, allow: bool) -> None:
    if reason is None:
        return
    if not allow:
        raise RefusedError(
            f"{inputs.service} build {inputs.build_id}: {REFUSAL} ({reason}); "
            "--allow-rejected decides it for analysis only"
        )
    log.warning(
        "%s build %s was rejected by the gate (%s): deciding for analysis only, no rollout; "
        "nothing is set on its files",
        inputs.service,
        inputs.build_id,
        reason,
    )
