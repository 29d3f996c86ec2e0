"""Who scores the decision: the model service, else the local model, else the heuristic.

With ``--model-url`` the decision's inputs (risk-inputs-for-decision, exactly as written) go
to ``cipipe model serve``. Its answer carries the model's explanation, so the decision is built
here from it with the same contributors the local model would give, and it is used only when it
checks out: the model the policy references, the same policy version, the same model inputs,
the same score. Anything else (a dead, slow or erroring service, an answer that does not check
out) is one reason, logged in one line and recorded in the decision (``model.service_fallback``);
the local model from the registry then scores if it can, else the heuristic decides, exactly as
without a service.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping

from cipipe.adapters.model_service.interface import ModelService, ModelServiceFailed
from cipipe.contracts.model_score import ModelScore
from cipipe.contracts.risk_decision import ModelUse, RiskInputsForDecision
from cipipe.risk.decide import Decided
from cipipe.risk.model.decision_score import ModelChoice
from cipipe.risk.policy.bundle import PolicyBundle

log = logging.getLogger("cipipe.decide_strategy")

DecideOnce = Callable[[ModelChoice | None], Decided]


class ServedModel:
    """The service's answer standing in for the model (``decision_score.Scorer``): it explains
    only the row it scored, and notes when it is asked about another one."""

    def __init__(self, answer: ModelScore) -> None:
        self.answer = answer
        self.version = answer.model_version
        self.features = list(answer.row)
        self.other_row: Mapping[str, float] | None = None

    def explain(self, row: Mapping[str, float]) -> ModelScore:
        served = self.answer.row
        same = row.keys() == served.keys() and all(
            math.isclose(row[k], served[k], rel_tol=1e-12, abs_tol=1e-12) for k in row
        )
        if not same:
            self.other_row = dict(row)
        return self.answer


def _check(answer: ModelScore, inputs: RiskInputsForDecision, bundle: PolicyBundle) -> None:
    version = bundle.weights.model.version
    if answer.model_version != version:
        raise ModelServiceFailed(
            f"it scored with model {answer.model_version}; the policy references {version}"
        )
    if answer.policy_version != bundle.version_id:
        raise ModelServiceFailed(
            f"it scored with policy {answer.policy_version[:19]}; this decision's policy is "
            f"{bundle.version_id[:19]}"
        )
    if (answer.service, answer.build_id) != (inputs.service, inputs.build_id):
        raise ModelServiceFailed(f"it answered for {answer.service} build {answer.build_id}")
    if answer.contributions.keys() != answer.row.keys():
        raise ModelServiceFailed("malformed answer: its contributions and row name other inputs")


def _served(
    decide_once: DecideOnce,
    inputs: RiskInputsForDecision,
    bundle: PolicyBundle,
    service: ModelService,
) -> Decided:
    answer = service.score(inputs.to_json())
    _check(answer, inputs, bundle)
    served = ServedModel(answer)
    decided = decide_once(ModelChoice(answer.model_version, served, None))
    model = decided.decision.model
    if served.other_row is not None:
        raise ModelServiceFailed(
            f"its model read {dict(answer.row)}; this decision's inputs are {served.other_row}"
        )
    if model is None or not model.scored:
        raise ModelServiceFailed(model.reason if model else "no model")
    if decided.decision.risk_score != answer.risk_score:
        raise ModelServiceFailed(
            f"its score {answer.risk_score} differs from the {decided.decision.risk_score} its "
            "explanation gives here"
        )
    use = model.model_copy(
        update={
            "scored_by": "service",
            "reason": f"approved model {answer.model_version} scored by the model service at "
            f"{service.where} (heuristic: {answer.heuristic_score})",
        }
    )
    return Decided(decided.inputs, decided.decision.model_copy(update={"model": use}))


def _fell_back(decided: Decided, version: str, problem: str) -> Decided:
    model = decided.decision.model
    if model is None:
        model = ModelUse(
            version=version,
            scored=False,
            probability=None,
            reason=f"the heuristic decided: {problem}",
        )
    use = model.model_copy(update={"service_fallback": problem})
    return Decided(decided.inputs, decided.decision.model_copy(update={"model": use}))


def decide_with_model(
    decide_once: DecideOnce,
    bundle: PolicyBundle,
    service: ModelService | None,
    local: Callable[[], ModelChoice | None],
) -> Decided:
    """The decision, scored by ``service`` when it can, else by ``local()`` (the registry's
    model, or why it cannot score), else by the heuristic. ``decide_once`` is ``decide`` with
    everything but the model bound."""
    version = bundle.weights.model.version
    if service is None:
        return decide_once(local())
    if version is None:
        log.info(
            "the policy references no model: the heuristic decides; the model service at %s "
            "is not asked",
            service.where,
        )
        return decide_once(None)
    heuristic = decide_once(None)  # its risk-inputs-for-decision is what the service scores
    try:
        return _served(decide_once, heuristic.inputs, bundle, service)
    except ModelServiceFailed as exc:
        problem = f"the model service at {service.where} did not score: {exc}"
    log.warning("%s; the local model or the heuristic decides", problem)
    return _fell_back(decide_once(local()), version, problem)
