"""cipipe decide-strategy (seed Step 3): decide, record, attach, tell.

Order matters for "nothing half-written": every input file, publish.json included, has been
read and validated before this runs (``inputs.read_decision_inputs``); the decision and its
exports are computed first (bad input fails here, before anything is written), then a
published build is checked complete in the store (its completion marker: a publish that did
not finish is refused, exit 1), then the decision is appended to the audit log (a database
failure leaves no files behind) and the log's heads are sealed into the decision's ``audit``
anchor, then the files are written, attached to the candidate in the artifact store (the
anchor beside them), and announced. A failed notification never changes the decision or the
exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
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
from cipipe.steps.audit.anchor import seal
from cipipe.steps.decide_strategy.inputs import DecisionInputs
from cipipe.steps.decide_strategy.record import attach, audit, decision_message
from cipipe.steps.publish.completion import require_complete
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


def _complete_candidate(
    published: PublishReport | None, open_store: Callable[[PublishReport], ArtifactStore]
) -> tuple[ArtifactStore, PublishReport] | None:
    """The store the published build is in; None when it was not published.

    A build whose publish did not finish gets no decision: ``IncompleteCandidate`` (exit 1)
    before anything is audited, written or attached; rerunning publish, then this step,
    completes both."""
    if published is None:
        return None
    store = open_store(published)
    expected = [(f.path, f.sha256) for f in published.files]
    require_complete(store, published.service, published.build_id, expected)
    return store, published


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
    candidate = _complete_candidate(inputs.published, open_store)
    appended = audit(history, decided.inputs, decided.decision)
    d = decided.decision
    anchor = seal(history, "decision", d.service, d.build_id, now, appended)
    decided = replace(decided, decision=d.model_copy(update={"audit": anchor}))
    written = [work.write(decided.inputs), work.write(decided.decision)]
    written += [work.write_text(name, text) for name, text in rendered.items()]
    attached = None
    if candidate is not None:
        store, published = candidate
        attached = attach(store, published, decided.decision, written[1])
        log.info(
            "decision attached to %d file(s) of build %s in %s",
            len(attached),
            published.build_id,
            published.store,
        )
    else:
        log.warning(
            "%s not found: the build was not published, so the decision is not attached "
            "to a candidate and its audit anchor is only in risk-decision.json (run "
            "`cipipe publish`, then decide again)",
            work.file(PublishReport.FILE_NAME),
        )
    delivery = deliver(notifier, decision_message(decided.decision))
    return DecideResult(decided, written, appended.hash, attached, delivery)
