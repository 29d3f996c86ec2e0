"""Every contract by schema name: the one list `cipipe schema` and `cipipe validate` use.

The list names each model's module and class instead of importing them: building a model costs
start-up time, and `cipipe validate FILE` needs only the model FILE names, `cipipe schema NAME`
only NAME's. ``all_contracts`` imports every one (for `schema --write` and the tests, which
also check that each name is its model's own SCHEMA_NAME).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cipipe.contracts.base import Contract

# schema name -> (module under cipipe.contracts, class)
_CONTRACTS: dict[str, tuple[str, str]] = {
    "source": ("source", "Source"),
    "precheck": ("precheck", "Precheck"),
    "matrix": ("matrix", "Matrix"),
    "artifacts": ("artifacts", "Artifacts"),
    "tests": ("testing", "TestsReport"),
    "deps-changed": ("deps_changed", "DepsChanged"),
    "scan": ("scan", "ScanReport"),
    "build-info": ("build_info", "BuildInfo"),
    "risk-inputs": ("risk_inputs", "RiskInputs"),
    "risk-inputs-for-decision": ("risk_decision", "RiskInputsForDecision"),
    "risk-decision": ("risk_decision", "RiskDecision"),
    "publish": ("publish", "PublishReport"),
    "bundle-manifest": ("bundle", "BundleManifest"),
    "notification": ("notification", "NotificationLog"),
    "gate": ("gate", "GateReport"),
    "backtest": ("backtest", "Backtest"),
    "policy-diff": ("policy_diff", "PolicyDiff"),
    "outcome-sync": ("outcome_sync", "OutcomeSync"),
    "model-compare": ("model_compare", "ModelCompare"),
    "audit-anchor": ("audit_anchor", "AuditAnchor"),
    "model-score": ("model_score", "ModelScore"),
    "model": ("model", "ModelRecord"),
}
# Files without a cipipe schema id that still have a schema: inputs, and the build-info
# cipipe writes in JFrog's own format.
_INPUT_MODELS: dict[str, tuple[str, str]] = {
    "config": ("repo_config", "RepoConfig"),
    "bundle-spec": ("bundle", "BundleSpec"),
    "context": ("decision_context", "DecisionContext"),
    "build-info-jfrog": ("jfrog_build_info", "JfrogBuildInfo"),
}


def _load(module: str, name: str) -> type[BaseModel]:
    model: type[BaseModel] = getattr(importlib.import_module(f"cipipe.contracts.{module}"), name)
    return model


def contract_names() -> list[str]:
    """The schema names of the files that carry ``"schema": "cipipe.<name>/<major>"``."""
    return sorted(_CONTRACTS)


def contract_for(name: str) -> type[Contract] | None:
    """The contract of schema ``name`` (its module imported now), or None."""
    from cipipe.contracts.base import Contract

    where = _CONTRACTS.get(name)
    if where is None:
        return None
    model = _load(*where)
    assert issubclass(model, Contract)
    return model


def all_contracts() -> dict[str, type[Contract]]:
    """Every contract by schema name, all imported."""
    found = {name: contract_for(name) for name in _CONTRACTS}
    return {name: model for name, model in found.items() if model is not None}


def all_schema_names() -> list[str]:
    return sorted({*_CONTRACTS, *_INPUT_MODELS})


def model_for(name: str) -> type[BaseModel] | None:
    if name in _CONTRACTS:
        return contract_for(name)
    where = _INPUT_MODELS.get(name)
    return _load(*where) if where else None


def json_schema(name: str) -> dict[str, object]:
    model = model_for(name)
    if model is None:
        raise KeyError(name)
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema.setdefault("$id", f"https://cipipe.dev/schemas/{name}.schema.json")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
