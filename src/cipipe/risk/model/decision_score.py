"""Phase 2 of the decision (seed Step 3 I): an approved model scores, the heuristic falls back.

The model's calibrated log-odds are additive (a base plus one contribution per input), and
the policy maps them linearly to points: offset + scale * log-odds. So the model's reasoning
is as exact as the heuristic's: a "model_base" contributor and one per input feature, which
add up to the score before the same criticality, hardware and per-OS modifiers.

Loading (``load_referenced``) reads the registry and asks the history store's model approvals
log whether that exact model is approved; the rest of this module only turns a loaded model,
or the reason there is none, into contributors or a fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cipipe.contracts.risk_decision import Contributor
from cipipe.contracts.risk_inputs import Number, RiskInputs
from cipipe.risk.policy.bundle import PolicyBundle

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import HistoryStore

HEURISTIC_FEATURE = "heuristic_score"
_PLACES = 4
# The features ``model train --from-db`` derives (risk/model/store_features.py) that
# risk-inputs.json does not hold as they are: at decision time the same code gives them.
STORE_DERIVED = frozenset(
    {
        "loc_changed",
        "dependency_bump",
        "author_reliability",
        "repository_reliability",
        "hour_of_day",
        "flakiness_index",
    }
)
PLATFORM_FLAG = (
    "platform_"  # platform_<name>: 1 when the build targeted it (features.PLATFORM_PREFIX)
)


def store_derived(name: str) -> bool:
    return name in STORE_DERIVED or name.startswith(PLATFORM_FLAG)


@dataclass(frozen=True)
class StoreRow:
    """The store-derived features of the build being decided (``store_features.decision_features``),
    and, for each one that could not be derived, why."""

    values: Mapping[str, float]
    missing: Mapping[str, str]


class Explained(Protocol):
    """A model's answer for one row, in calibrated log-odds (``scoring.Explanation``)."""

    @property
    def probability(self) -> float: ...
    @property
    def base(self) -> float: ...
    @property
    def contributions(self) -> Mapping[str, float]: ...


class Scorer(Protocol):
    """What a decision needs of a model: the loaded ``scoring.ScoringModel``, or the answer of
    the model service (``cipipe model serve``) standing in for it."""

    @property
    def version(self) -> str: ...
    @property
    def features(self) -> list[str]: ...
    def explain(self, row: Mapping[str, float]) -> Explained: ...


@dataclass(frozen=True)
class ModelChoice:
    """The model the policy references: loaded, or why it cannot be used."""

    version: str
    model: Scorer | None
    problem: str | None
    store_row: StoreRow | None = (
        None  # the build's store-derived features, when the model needs them
    )


def needs_store(features: list[str]) -> bool:
    return any(store_derived(name) for name in features)


def load_referenced(
    bundle: PolicyBundle, registry: Path, approvals: HistoryStore, *, require_signed: bool = False
) -> ModelChoice | None:
    """The policy's model from the registry folder, only when model.json says approved and
    the history store's model approvals log (``approvals``) approves that exact model; None
    when the policy references none. Any problem becomes the reason the heuristic decides."""
    version = bundle.weights.model.version
    if version is None:
        return None
    from cipipe.extras import require_extra
    from cipipe.risk.model import ModelError
    from cipipe.risk.model.history_audit import approval_problem
    from cipipe.risk.model.registry import Registry

    store = Registry(registry)
    entry = next((e for e in store.entries() if e.version == version), None)
    if entry is None:
        return ModelChoice(version, None, f"model {version} is not in the registry {registry}")
    if entry.state != "approved":
        return ModelChoice(version, None, f"model {version} is {entry.state}, not approved")
    # An approved model that cannot be loaded for want of numpy or LightGBM is an install to
    # fix (exit 2 naming the extra), not a silent fall back to the heuristic on this agent.
    needed_by = f"cipipe decide-strategy with the approved model {version}"
    require_extra("model", "numpy", "lightgbm", command=needed_by)
    try:
        model = store.load(version)
    except ModelError as exc:
        return ModelChoice(version, None, f"model {version} cannot be used: {exc}")
    problem = approval_problem(approvals, version, model.metadata, require_signed=require_signed)
    if problem is not None:
        return ModelChoice(version, None, problem)
    return ModelChoice(version, model, None)


def _value(number: Number | None, name: str) -> float:
    if number is None or number.status == "missing" or number.value is None:
        raise LookupError(f"input {name} is missing")
    return float(number.value)


def _derived(name: str, store_row: StoreRow | None) -> float:
    if store_row is None:
        raise LookupError(
            f"the model needs {name!r}, derived from the history store, not read here"
        )
    if name in store_row.missing:
        raise LookupError(store_row.missing[name])
    if name.startswith(PLATFORM_FLAG):
        return float(store_row.values.get(name, 0.0))  # a platform the build did not target
    if name not in store_row.values:
        raise LookupError(f"the model needs {name!r}, which the history store did not give")
    return float(store_row.values[name])


def model_row(
    features: list[str],
    inputs: RiskInputs,
    heuristic_score: int,
    store_row: StoreRow | None = None,
) -> dict[str, float]:
    """The model's inputs from the risk inputs: Kamei's change metrics by name, cipipe's
    numeric risk inputs, the heuristic's own score, and the features derived from the history
    store (``store_row``, as training derived them). A missing one raises LookupError."""
    row = {}
    for name in features:
        if name == HEURISTIC_FEATURE:
            row[name] = float(heuristic_score)
        elif store_derived(name):
            row[name] = _derived(name, store_row)
        elif name in inputs.change_metrics:
            row[name] = _value(inputs.change_metrics[name], name)
        else:
            number = getattr(inputs, name, None)
            if not isinstance(number, Number):
                raise LookupError(f"the model needs {name!r}, which risk inputs do not have")
            row[name] = _value(number, name)
    return row


def model_contributors(
    model: Scorer, row: Mapping[str, float], bundle: PolicyBundle
) -> tuple[list[Contributor], float]:
    """Contributors in points (exactly additive) and the model's probability of failure."""
    reference = bundle.weights.model
    explanation = model.explain(row)
    offset, scale = reference.score_offset, reference.score_scale
    terms = [
        Contributor(
            feature="model_base",
            raw_value=round(explanation.base, _PLACES),
            status="measured",
            points=round(offset + scale * explanation.base, _PLACES) + 0.0,
            rule=f"{offset:g} + {scale:g} x base log-odds {explanation.base:+.4f} "
            f"(model {model.version})",
        )
    ]
    for name in model.features:
        contribution = explanation.contributions[name]
        terms.append(
            Contributor(
                feature=name,
                raw_value=row[name],
                status="measured",
                points=round(scale * contribution, _PLACES) + 0.0,
                rule=f"{scale:g} x log-odds contribution {contribution:+.4f} (model)",
            )
        )
    return terms, explanation.probability
