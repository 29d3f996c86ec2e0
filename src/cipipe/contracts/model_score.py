"""The model service's answer to ``POST /v1/score`` (``cipipe model serve``).

The service scores a risk-inputs-for-decision document with the model its policy references,
chosen exactly as decide-strategy chooses its local model. Besides the score it returns the
model's explanation in log-odds (a base and one contribution per input, the row it read), so
decide-strategy builds the same exactly additive contributors as with the local model, and can
check that they give the score the service computed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract
from cipipe.contracts.numbers import Fraction
from cipipe.contracts.risk_decision import Sha256
from cipipe.identifiers import BuildIdText, Name


class ModelScore(Contract):
    SCHEMA_NAME = "model-score"
    FILE_NAME = "model-score.json"

    service: Name
    build_id: BuildIdText
    model_version: str
    approval: Literal["approved"] = Field(
        description="The model's state in the registry and the history store's model "
        "approvals log: the service scores only with an approved model"
    )
    policy_version: Sha256 = Field(description="The policy bundle the service scored with")
    risk_score: int = Field(ge=0, le=100, description="The decision's score with this model")
    probability: Fraction = Field(description="The model's calibrated P(failure)")
    heuristic_score: int = Field(ge=0, le=100, description="The heuristic's score, for reference")
    base: float = Field(description="The model's base, in calibrated log-odds")
    contributions: dict[str, float] = Field(
        description="Each input's contribution in calibrated log-odds; base plus these is the "
        "model's logit"
    )
    row: dict[str, float] = Field(description="The value of each model input the model read")
