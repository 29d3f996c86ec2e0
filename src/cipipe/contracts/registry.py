"""Every contract by schema name: the one list `cipipe schema` and `cipipe validate` use."""

from __future__ import annotations

from pydantic import BaseModel

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.audit_anchor import AuditAnchor
from cipipe.contracts.backtest import Backtest
from cipipe.contracts.base import Contract
from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.bundle import BundleManifest, BundleSpec
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.deps_changed import DepsChanged
from cipipe.contracts.gate import GateReport
from cipipe.contracts.jfrog_build_info import JfrogBuildInfo
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.notification import NotificationLog
from cipipe.contracts.precheck import Precheck
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.risk_decision import RiskDecision, RiskInputsForDecision
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.contracts.scan import ScanReport
from cipipe.contracts.source import Source
from cipipe.contracts.testing import TestsReport

CONTRACTS: dict[str, type[Contract]] = {
    model.SCHEMA_NAME: model
    for model in (
        Source,
        Precheck,
        Matrix,
        Artifacts,
        TestsReport,
        DepsChanged,
        ScanReport,
        BuildInfo,
        RiskInputs,
        RiskInputsForDecision,
        RiskDecision,
        PublishReport,
        BundleManifest,
        NotificationLog,
        GateReport,
        Backtest,
        AuditAnchor,
    )
}
# Files without a cipipe schema id that still have a schema: inputs, and the build-info
# cipipe writes in JFrog's own format.
INPUT_MODELS: dict[str, type[BaseModel]] = {
    "config": RepoConfig,
    "bundle-spec": BundleSpec,
    "context": DecisionContext,
    "build-info-jfrog": JfrogBuildInfo,
}


def all_schema_names() -> list[str]:
    return sorted({*CONTRACTS, *INPUT_MODELS})


def model_for(name: str) -> type[BaseModel] | None:
    return CONTRACTS.get(name) or INPUT_MODELS.get(name)


def json_schema(name: str) -> dict[str, object]:
    model = model_for(name)
    if model is None:
        raise KeyError(name)
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema.setdefault("$id", f"https://cipipe.dev/schemas/{name}.schema.json")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
