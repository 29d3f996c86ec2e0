"""cipipe decide-strategy (seed Step 3): decide, record, attach, tell.

Order matters for "nothing half-written": every input file, publish.json and gate.json
included, has been read and validated before this runs (``inputs.read_decision_inputs``); the
decision and its exports are computed first (bad input fails here, before anything is
written), then a build the gate rejected is refused (exit 1, ``rejection``; decided for
analysis with --allow-rejected, then nothing is set on its files), then a published build is
checked complete in the store (its completion marker: a publish that did not finish is
refused, exit 1), then the decision is appended to the audit log (a database
failure leaves no files behind) and the log's heads are sealed into the decision's ``audit``
anchor, then the files are written, attached to the candidate in the artifact store (the
anchor beside them), and announced. A failed notification never changes the decision or the
exit code.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.adapters.history.interface import HistoryStore
from cipipe.adapters.model_service.interface import ModelService
from cipipe.adapters.notifications.interface import Delivery, Notifier, deliver
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import Mode, RiskDecision
from cipipe.risk.decide import Decided, decide
from cipipe.risk.exports import EXPORT_FILES, ExportKind, export_files
from cipipe.risk.model.decision_score import ModelChoice
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.steps.audit.anchor import seal
from cipipe.steps.audit.anchor import upload as upload_anchor
from cipipe.steps.decide_strategy.inputs import DecisionInputs
from cipipe.steps.decide_strategy.model_use import decide_with_model
from cipipe.steps.decide_strategy.record import attach, audit, decision_message
from cipipe.steps.decide_strategy.rejection import (
    gate_rejection,
    refuse_unless_allowed,
    store_rejection,
)
from cipipe.steps.decide_strategy.store_row import store_row, with_store_row
from cipipe.steps.publish.completion import require_complete
from cipipe.workdir import WorkDir

log = logging.getLogger("cipipe.decide_strategy")


@dataclass(frozen=True)
class DecideResult:
    decided: Decided
    written: list[Path]
    audit_hash: str
    attached: list[str] | None  # store paths; None when the build was not published
    delivery: Delivery


@dataclass(frozen=True)
class _Candidate:
    store: ArtifactStore
    published: PublishReport
    rejection: str | None  # why the store holds it as rejected; None when it does not


def _complete_candidate(
    published: PublishReport | None, open_store: Callable[[PublishReport], ArtifactStore]
) -> _Candidate | None:
    """The store the published build is in; None when it was not published.

    A build whose publish did not finish gets no decision: ``IncompleteCandidate`` (exit 1)
    before anything is audited, written or attached; rerunning publish, then this step,
    completes both."""
    if published is None:
        return None
    store = open_store(published)
    expected = [(f.path, f.sha256) for f in published.files]
    members = require_complete(store, published.service, published.build_id, expected)
    return _Candidate(store, published, store_rejection(members, store.location))


def _attach(
    candidate: _Candidate | None, decision: RiskDecision, file: Path, work: WorkDir
) -> list[str] | None:
    """Put the decision beside the candidate; the store paths touched (None: not published).
    A rejected build gets only the audit anchor (it protects the log): no risk.* property on
    its files, no risk-decision.json among them."""
    if candidate is None:
        log.warning(
            "%s not found: the build was not published, so the decision is not attached "
            "to a candidate and its audit anchor is only in risk-decision.json (run "
            "`cipipe publish`, then decide again)",
            work.file(PublishReport.FILE_NAME),
        )
        return None
    store, published = candidate.store, candidate.published
    if decision.rejected_by_gate is not None:
        anchor = [] if decision.audit is None else [upload_anchor(store, decision.audit)]
        log.warning("decision not attached to the rejected build %s", published.build_id)
        return anchor
    attached = attach(store, published, decision, file)
    log.info(
        "decision attached to %d file(s) of build %s in %s",
        len(attached),
        published.build_id,
        published.store,
    )
    return attached


def _rendered_exports(
    decision: RiskDecision,
    exports: Sequence[ExportKind],
    export_options: Mapping[ExportKind, Mapping[str, Any]] | None,
    decision_ref: str | None = None,
) -> dict[str, str]:
    """The text of every file the asked-for exports write, by file name; with
    ``decision_ref`` (the decision's hash in the audit chain) they name it for outcome sync."""
    options = export_options or {}
    rendered: dict[str, str] = {}
    for kind in exports:
        rendered.update(
            export_files(decision, kind, decision_ref=decision_ref, **options.get(kind, {}))
        )
    return rendered


def _checked_rejection(
    decided: Decided,
    inputs: DecisionInputs,
    open_store: Callable[[PublishReport], ArtifactStore],
    allow_rejected: bool,
) -> tuple[Decided, _Candidate | None]:
    """Refuses a build the gate or the store rejected (exit 1) unless --allow-rejected, then
    the decision records the rejection; the candidate's store, checked complete."""
    # A rejected build: refused before the store is asked, when gate.json says so.
    rejection = gate_rejection(inputs.gate, inputs.risk_inputs)
    if not allow_rejected:
        refuse_unless_allowed(inputs.risk_inputs, rejection, allow=False)
    candidate = _complete_candidate(inputs.published, open_store)
    rejection = rejection or (candidate.rejection if candidate else None)
    refuse_unless_allowed(inputs.risk_inputs, rejection, allow=allow_rejected)
    if rejection is not None:
        decided = replace(
            decided, decision=decided.decision.model_copy(update={"rejected_by_gate": rejection})
        )
    return decided, candidate


def _write(
    work: WorkDir, decided: Decided, rendered: Mapping[str, str], exports: Sequence[ExportKind]
) -> list[Path]:
    """The two decision files, then the exports; risk-decision.json is second."""
    written = [work.write(decided.inputs), work.write(decided.decision)]
    written += [work.write_text(name, text) for name, text in rendered.items()]
    # A template an earlier decision referenced and this one does not (a rolling plan) goes,
    # so that a folder applied as a whole holds only what the exported block references.
    for name in {n for kind in exports for n in EXPORT_FILES[kind]} - rendered.keys():
        work.file(name).unlink(missing_ok=True)
    return written


def run_decide_strategy(
    work: WorkDir,
    inputs: DecisionInputs,
    bundle: PolicyBundle,
    *,
    policy_source: str,
    mode: Mode | None,
    now: datetime,
    decided_by: str,
    history: HistoryStore,
    open_store: Callable[[PublishReport], ArtifactStore],
    notifier: Notifier,
    exports: Sequence[ExportKind] = (),
    export_options: Mapping[ExportKind, Mapping[str, Any]] | None = None,
    model: Callable[[], ModelChoice | None] = lambda: None,
    model_service: ModelService | None = None,
    allow_rejected: bool = False,
) -> DecideResult:
    """``model`` loads the model the policy references from the registry (or says why it
    cannot score); it is called only when no ``model_service`` scores (``model_use``). A model
    that learnt from the history store gets this build's features from ``history``
    (``store_row``), read once and only then."""
    derived = functools.cache(lambda: store_row(history, inputs.risk_inputs, inputs.started))

    def decide_once(choice: ModelChoice | None) -> Decided:
        choice = with_store_row(choice, derived)
        return decide(
            inputs.risk_inputs,
            inputs.risk_inputs_sha256,
            inputs.context,
            bundle,
            policy_source=policy_source,
            changed_paths=inputs.changed_paths,
            mode_flag=mode,
            now=now,
            decided_by=decided_by,
            model=choice,
        )

    decided = decide_with_model(decide_once, bundle, model_service, model)
    if decided.decision.model is not None and not decided.decision.model.scored:
        log.warning("%s", decided.decision.model.reason)
    # Rendered before anything is recorded, so a bad export option refuses the decision.
    _rendered_exports(decided.decision, exports, export_options)
    decided, candidate = _checked_rejection(decided, inputs, open_store, allow_rejected)
    appended = audit(history, decided.inputs, decided.decision)
    d = decided.decision
    # Rendered again now that the decision's hash in the audit chain is known: the exports
    # name it (cipipe.io/decision) for outcome sync.
    rendered = _rendered_exports(d, exports, export_options, decision_ref=appended.hash)
    anchor = seal(history, "decision", d.service, d.build_id, now, appended)
    decided = replace(decided, decision=d.model_copy(update={"audit": anchor}))
    written = _write(work, decided, rendered, exports)
    attached = _attach(candidate, decided.decision, written[1], work)
    delivery = deliver(notifier, decision_message(decided.decision))
    return DecideResult(decided, written, appended.hash, attached, delivery)
