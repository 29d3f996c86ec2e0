"""cipipe decide-strategy (seed Step 3): decide, record, attach, tell.

Order matters for "nothing half-written": every input file, publish.json included, has been
read and validated before this runs (``inputs.read_decision_inputs``); the decision and its
exports are computed first (bad input fails here, before anything is written), then the
decision is appended to the audit log (a database failure leaves no files behind), then the
files are written, attached to the candidate in the artifact store, and announced. A failed
notification never changes the decision or the exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.history.audit import Target
from cipipe.adapters.notifications.interface import Delivery, Notifier, deliver
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import Mode
from cipipe.risk.decide import Decided, decide
from cipipe.risk.exports import ExportKind, export
from cipipe.risk.model_score import ModelChoice
from cipipe.risk.policy import PolicyBundle
from cipipe.steps.decide_strategy.inputs import DecisionInputs
from cipipe.steps.decide_strategy.record import attach, audit, decision_message
from cipipe.workdir import WorkDir

log = logging.getLogger("cipipe.decide_strategy")

EXPORT_FILES: dict[ExportKind, str] = {
    "argo-rollouts": "rollout-argo-rollouts.yaml",
    "flagger": "rollout-flagger.yaml",
}


@dataclass(frozen=True)
class DecideResult:
    decided: Decided
    written: list[Path]
    audit_hash: str
    attached: list[str] | None  # store paths; None when the build was not published
    delivery: Delivery


def run_decide_strategy(
    work: WorkDir,
    inputs: DecisionInputs,
    bundle: PolicyBundle,
    *,
    policy_source: str,
    mode: Mode | None,
    now: datetime,
    decided_by: str,
    history: Target,
    open_store: Callable[[PublishReport], ArtifactStore],
    notifier: Notifier,
    exports: Sequence[ExportKind] = (),
    export_options: Mapping[ExportKind, Mapping[str, Any]] | None = None,
    model: ModelChoice | None = None,
) -> DecideResult:
    decided = decide(
        inputs.risk_inputs,
        inputs.risk_inputs_sha256,
        inputs.context,
        bundle,
        policy_source=policy_source,
        changed_paths=inputs.changed_paths,
        mode_flag=mode,
        now=now,
        decided_by=decided_by,
        model=model,
    )
    if decided.decision.model is not None and not decided.decision.model.scored:
        log.warning("%s", decided.decision.model.reason)
    options = export_options or {}
    rendered = {
        EXPORT_FILES[kind]: export(decided.decision, kind, **options.get(kind, {}))
        for kind in exports
    }
    audit_hash = audit(history, decided.inputs, decided.decision)
    written = [work.write(decided.inputs), work.write(decided.decision)]
    written += [work.write_text(name, text) for name, text in rendered.items()]
    attached = None
    published = inputs.published
    if published is not None:
        attached = attach(open_store(published), published, decided.decision, written[1])
        log.info(
            "decision attached to %d file(s) of build %s in %s",
            len(attached),
            published.build_id,
            published.store,
        )
    else:
        log.warning(
            "%s not found: the build was not published, so the decision is not attached "
            "to a candidate (run `cipipe publish`, then decide again)",
            work.file(PublishReport.FILE_NAME),
        )
    delivery = deliver(notifier, decision_message(decided.decision))
    return DecideResult(decided, written, audit_hash, attached, delivery)
