"""The templates the rollout exports reference are written with them: every template an Argo
strategy or a Flagger analysis names is defined in the files `export_files` writes, the args
the steps pass and the args the template declares match both ways, every `{{args.X}}` the
template uses is declared, and the objects hold only keys the upstream CRDs accept
(tests/data/crds)."""

from __future__ import annotations

from typing import Any, TypeAlias

import pytest
import yaml

from cipipe.contracts.risk_decision import BlueGreenPace, CanaryPace, RiskDecision
from cipipe.risk.analysis_templates import (
    DEFAULT_PROMETHEUS_ADDRESS,
    argo_analysis_template,
    argo_step_args,
    flagger_metric_templates,
)
from cipipe.risk.exports import ExportError, export_files
from tests.risk.exports import (
    GATE,
    SERVICES,
    _crd,
    blue_green,
    canary,
    check_against_crd,
    decision,
    rolling,
)
from tests.risk.templates import argo_analyses, assert_references_resolve

ARGO_BLOCK, ARGO_OBJECTS = "rollout-argo-rollouts.yaml", "rollout-argo-rollouts-analysis.yaml"
FLAGGER_BLOCK, FLAGGER_OBJECTS = "rollout-flagger.yaml", "rollout-flagger-metrics.yaml"
Gated: TypeAlias = CanaryPace | BlueGreenPace
CANARY = canary([10, 25, 50, 100], ["2m", "5m", "10m", "15m"])
PACES: list[Gated] = [
    canary([10, 25, 50, 100], ["2m", "5m", "10m", "15m"]),
    blue_green(3, "2m"),
]


def with_metrics(pace: Gated, metrics: list[dict[str, Any]]) -> Gated:
    data = pace.model_dump()
    data["analysis"]["metrics"] = metrics
    return type(pace).model_validate(data)


def objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def argo_files(d: RiskDecision, **opts: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    files = export_files(d, "argo-rollouts", **SERVICES, **opts)
    strategy = yaml.safe_load(files[ARGO_BLOCK])["strategy"]
    return strategy, objects(files.get(ARGO_OBJECTS, ""))


@pytest.mark.parametrize("pace", PACES, ids=["canary", "blue-green"])
@pytest.mark.parametrize("manual", [False, True])
def test_every_argo_analysis_resolves_to_the_written_template(pace: Gated, manual: bool) -> None:
    strategy, written = argo_files(decision(pace, manual=manual))
    assert [(o["kind"], o["metadata"]["name"]) for o in written] == [
        ("AnalysisTemplate", "cipipe-health")
    ]
    assert_references_resolve(strategy, written)
    assert check_against_crd({"template": written[0]}, _crd("argo-analysis-template.json")) == []


def test_a_cluster_template_is_referenced_with_cluster_scope() -> None:
    d = decision(CANARY)
    strategy, written = argo_files(d, analysis_template="team-health", analysis_scope="cluster")
    refs = [r for a in argo_analyses(strategy) for r in a["templates"]]
    assert refs and all(r == {"templateName": "team-health", "clusterScope": True} for r in refs)
    assert [(o["kind"], o["metadata"]["name"]) for o in written] == [
        ("ClusterAnalysisTemplate", "team-health")
    ]
    assert "namespace" not in written[0]["metadata"]  # cluster-scoped
    assert_references_resolve(strategy, written)
    crd = _crd("argo-cluster-analysis-template.json")
    assert check_against_crd({"template": written[0]}, crd) == []


def test_the_template_measures_the_policy_gates_on_prometheus() -> None:
    template = argo_analysis_template(
        CANARY.analysis, name="cipipe-health", prometheus_address="http://prom.test:9090"
    )
    args = template["spec"]["args"]
    assert args == [
        {"name": "service"},
        {"name": "interval"},
        {"name": "count"},
        {"name": "failure-limit"},
        {"name": "request-success-rate-min"},
        {"name": "request-duration-max"},
        {"name": "prometheus-address", "value": "http://prom.test:9090"},
    ]
    rate, duration = template["spec"]["metrics"]
    assert rate["name"] == "request-success-rate"
    assert rate["successCondition"] == "result[0] >= {{args.request-success-rate-min}}"
    assert duration["successCondition"] == "result[0] <= {{args.request-duration-max}}"
    for metric in (rate, duration):
        assert metric["interval"] == "{{args.interval}}"
        assert metric["count"] == "{{args.count}}"  # a step's analysis must end
        assert metric["failureLimit"] == "{{args.failure-limit}}"
        prometheus = metric["provider"]["prometheus"]
        assert prometheus["address"] == "{{args.prometheus-address}}"
        assert 'service="{{args.service}}"' in prometheus["query"]
        assert "[{{args.interval}}]" in prometheus["query"]
    assert "http_requests_total" in rate["provider"]["prometheus"]["query"]
    assert "histogram_quantile(0.99" in duration["provider"]["prometheus"]["query"]


def test_a_metric_with_both_bounds_and_one_cipipe_cannot_know() -> None:
    pace = with_metrics(CANARY, [{"name": "error-budget-burn", "min": 0, "max": 2.5}])
    strategy, written = argo_files(decision(pace))
    [metric] = written[0]["spec"]["metrics"]
    assert metric["successCondition"] == (
        "result[0] >= {{args.error-budget-burn-min}} && result[0] <= {{args.error-budget-burn-max}}"
    )
    # A series that does not exist: the analysis errors (and aborts) until the query is filled.
    assert metric["provider"]["prometheus"]["query"].startswith(
        "cipipe_placeholder_error_budget_burn{"
    )
    assert_references_resolve(strategy, written)
    step_args = {a["name"]: a["value"] for a in argo_step_args(pace.analysis, "shop")}
    assert step_args["error-budget-burn-min"] == "0" and step_args["error-budget-burn-max"] == "2.5"


def test_count_and_failure_limit_abort_after_the_policy_s_failed_checks() -> None:
    """Argo fails an analysis when failed measurements exceed failureLimit; the policy (and
    Flagger's threshold) abort when they reach failure_limit."""
    for limit in (1, 2, 5):
        pace = CanaryPace.model_validate(
            {
                **CANARY.model_dump(),
                "analysis": {**CANARY.analysis.model_dump(), "failure_limit": limit},
            }
        )
        args = {a["name"]: a["value"] for a in argo_step_args(pace.analysis, "shop")}
        count, tolerated = int(args["count"]), int(args["failure-limit"])
        assert tolerated + 1 == limit  # the limit-th failure fails the analysis
        assert count >= tolerated  # Argo's ValidateMetric: count must be >= failureLimit
        assert count == limit  # enough checks to reach the limit


def test_a_rolling_plan_references_no_template_and_writes_none() -> None:
    files = export_files(decision(rolling()), "argo-rollouts", **SERVICES)
    assert list(files) == [ARGO_BLOCK]
    assert "templateName" not in files[ARGO_BLOCK]


def test_the_template_follows_the_exported_plan() -> None:
    """--export-plan recommended: the template is built from the recommended plan's gates."""
    recommended = with_metrics(CANARY, [{"name": "saturation", "max": 80}])
    shadow = decision(recommended, applied=rolling(50), applied_manual=False)
    assert list(export_files(shadow, "argo-rollouts", **SERVICES)) == [ARGO_BLOCK]
    strategy, written = argo_files(shadow, use="recommended")
    assert [m["name"] for m in written[0]["spec"]["metrics"]] == ["saturation"]
    assert_references_resolve(strategy, written)


# --- Flagger ----------------------------------------------------------------------------------


def test_flagger_builtin_metrics_need_no_template() -> None:
    files = export_files(decision(CANARY), "flagger")
    assert list(files) == [FLAGGER_BLOCK]
    metrics = yaml.safe_load(files[FLAGGER_BLOCK])["analysis"]["metrics"]
    assert all("templateRef" not in m for m in metrics)
    assert flagger_metric_templates(CANARY.analysis) == []


@pytest.mark.parametrize("pace", PACES, ids=["canary", "blue-green"])
def test_every_flagger_template_ref_is_written(pace: Gated) -> None:
    gates = [
        {"name": "request-success-rate", "min": 99},
        {"name": "error-budget-burn", "max": 2},
        {"name": "queue-depth", "min": 0, "max": 100},
    ]
    d = decision(with_metrics(pace, gates), manual=True)
    files = export_files(d, "flagger", approval_url=GATE, prometheus_address="http://prom.test")
    analysis = yaml.safe_load(files[FLAGGER_BLOCK])["analysis"]
    assert check_against_crd({"analysis": analysis}, _crd("flagger-analysis.json")) == []
    written = objects(files[FLAGGER_OBJECTS])
    defined = {o["metadata"]["name"] for o in written if o["kind"] == "MetricTemplate"}
    refs = [m["templateRef"]["name"] for m in analysis["metrics"] if "templateRef" in m]
    assert refs == ["cipipe-error-budget-burn", "cipipe-queue-depth"]
    assert set(refs) == defined  # every reference written, nothing written unreferenced
    for template in written:
        assert check_against_crd({"template": template}, _crd("flagger-metric-template.json")) == []
        assert template["spec"]["provider"] == {"type": "prometheus", "address": "http://prom.test"}
        assert "{{ target }}" in template["spec"]["query"]
    queue = next(m for m in analysis["metrics"] if m["name"] == "queue-depth")
    assert queue["thresholdRange"] == {"min": 0, "max": 100}


def test_the_default_prometheus_address_is_a_placeholder_in_every_template() -> None:
    pace = with_metrics(CANARY, [{"name": "saturation", "max": 80}])
    files = export_files(decision(pace), "flagger")
    assert objects(files[FLAGGER_OBJECTS])[0]["spec"]["provider"]["address"] == (
        DEFAULT_PROMETHEUS_ADDRESS
    )
    _, written = argo_files(decision(pace))
    declared = {a["name"]: a.get("value") for a in written[0]["spec"]["args"]}
    assert declared["prometheus-address"] == DEFAULT_PROMETHEUS_ADDRESS


def test_an_unknown_controller_is_refused() -> None:
    with pytest.raises(ExportError, match="expected 'argo-rollouts' or 'flagger'"):
        export_files(decision(CANARY), "spinnaker")  # type: ignore[arg-type]
