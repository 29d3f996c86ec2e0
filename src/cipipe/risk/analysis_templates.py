"""The analysis templates the rollout exports reference, so that what is exported can be applied.

Argo Rollouts refuses a Rollout whose analysis names an AnalysisTemplate that does not exist
("AnalysisTemplate not found"), so ``argo_analysis_template`` writes the one the exported
strategy references: an ``AnalysisTemplate`` (or, with ``cluster_scope``, a
``ClusterAnalysisTemplate``, referenced with ``clusterScope: true``) that declares exactly the
args every analysis step passes (``argo_step_args``) and one Prometheus metric per policy gate.
Flagger needs no template for its built-in metrics (``request-success-rate``,
``request-duration``: fluxcd/flagger pkg/controller/scheduler_metrics.go runs them from the
mesh's own Prometheus queries); any other policy metric is referenced by ``templateRef`` and
``flagger_metric_templates`` writes its ``MetricTemplate``.

The Prometheus queries are placeholders to fill (README, "rollout exports"): they assume the
common ``http_requests_total`` / ``http_request_duration_seconds`` metrics labelled with the
service, and a metric cipipe knows nothing of queries a series that does not exist, so its
analysis fails closed (an error, then an abort) until someone writes its query.

Argo resolves ``{{args.NAME}}`` anywhere in a metric, conditions and provider included, by
templating the metric's JSON (argoproj/argo-rollouts utils/analysis/helpers.go,
``ResolveMetricArgs``); Flagger renders ``{{ namespace }}``, ``{{ target }}`` and
``{{ interval }}`` in a MetricTemplate's query (``observers.RenderQuery``).
"""

from __future__ import annotations

from typing import Any, Literal

from cipipe.contracts.risk_decision import AnalysisGates, MetricGate

Scope = Literal["namespace", "cluster"]

ARGO_API_VERSION = "argoproj.io/v1alpha1"
FLAGGER_API_VERSION = "flagger.app/v1beta1"
# The Prometheus of kube-prometheus-stack's default install: a placeholder to replace
# (--prometheus-address) when the cluster's Prometheus lives elsewhere.
DEFAULT_PROMETHEUS_ADDRESS = "http://prometheus-operated.monitoring.svc:9090"
ADDRESS_ARG = "prometheus-address"
FLAGGER_BUILTIN_METRICS = frozenset({"request-success-rate", "request-duration"})
FLAGGER_TEMPLATE_PREFIX = "cipipe-"

_SUCCESS_RATE = (
    '100 * sum(rate(http_requests_total{{service="{service}",code!~"5.."}}[{interval}]))'
    ' / sum(rate(http_requests_total{{service="{service}"}}[{interval}]))'
)
_DURATION_P99_MS = (
    "1000 * histogram_quantile(0.99, sum(rate("
    'http_request_duration_seconds_bucket{{service="{service}"}}[{interval}])) by (le))'
)
_UNKNOWN = 'cipipe_placeholder_{metric}{{service="{service}"}}'


def _query(metric: str, service: str, interval: str) -> str:
    """The placeholder PromQL for ``metric``: percent of non-5xx responses, p99 latency in
    milliseconds (the units of Flagger's built-ins, which the policy's bounds follow), or a
    series that does not exist for a metric cipipe cannot know."""
    shapes = {"request-success-rate": _SUCCESS_RATE, "request-duration": _DURATION_P99_MS}
    shape = shapes.get(metric, _UNKNOWN)
    return shape.format(service=service, interval=interval, metric=metric.replace("-", "_"))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def bound_args(metric: MetricGate) -> list[tuple[str, str, int | float]]:
    """(arg name, comparison, bound) for each bound the policy sets on ``metric``."""
    return [
        (f"{metric.name}-{side}", op, _number(value))
        for side, op, value in (("min", ">=", metric.min), ("max", "<=", metric.max))
        if value is not None
    ]


def argo_duration(seconds: int) -> str:
    # Argo durations accept the units s, m and h only (docs: "Pause Duration").
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def argo_step_args(gates: AnalysisGates, service: str) -> list[dict[str, str]]:
    """The args every analysis step passes (values are strings in Argo's CRD).

    ``count`` measurements, one per ``interval``: a step's analysis must end for the step to
    pass, and a metric with an interval and no count never ends. ``failure-limit`` is Argo's
    ``failureLimit``, the failed measurements it tolerates: Argo fails when they exceed it
    (``result.Failed > failureLimit``: argoproj/argo-rollouts analysis/analysis.go,
    ``assessMetricFailureInconclusiveOrError``), Flagger rolls back when they reach its
    ``threshold`` (``FailedChecks >= GetAnalysisThreshold()``: fluxcd/flagger
    pkg/controller/scheduler.go, ``rollback``), so the policy's "aborted after failure_limit
    failed checks" is ``failure_limit - 1`` here and ``failure_limit`` there. With
    ``count = failure_limit`` the step fails when every check failed, and Argo's own rule
    (``ValidateMetric``: count must be >= failureLimit) holds."""
    args = [
        {"name": "service", "value": service},
        {"name": "interval", "value": argo_duration(gates.interval_seconds)},
        {"name": "count", "value": str(gates.failure_limit)},
        {"name": "failure-limit", "value": str(gates.failure_limit - 1)},
    ]
    for metric in gates.metrics:
        args += [{"name": name, "value": str(bound)} for name, _, bound in bound_args(metric)]
    return args


def _argo_metric(metric: MetricGate) -> dict[str, Any]:
    condition = " && ".join(
        f"result[0] {op} {{{{args.{name}}}}}" for name, op, _ in bound_args(metric)
    )
    return {
        "name": metric.name,
        "interval": "{{args.interval}}",
        "count": "{{args.count}}",
        "failureLimit": "{{args.failure-limit}}",
        # Only a success condition: a value outside it is a failed measurement (Argo counts a
        # measurement Failed when successCondition is false and no failureCondition is set).
        "successCondition": condition,
        "provider": {
            "prometheus": {
                "address": f"{{{{args.{ADDRESS_ARG}}}}}",
                "query": _query(metric.name, "{{args.service}}", "{{args.interval}}"),
            }
        },
    }


def argo_analysis_template(
    gates: AnalysisGates,
    *,
    name: str,
    scope: Scope = "namespace",
    prometheus_address: str = DEFAULT_PROMETHEUS_ADDRESS,
) -> dict[str, Any]:
    """The AnalysisTemplate (ClusterAnalysisTemplate for ``scope="cluster"``) that the steps'
    ``templateName: name`` resolves to. Its args are the steps' args, without a default, and
    the Prometheus address with ``prometheus_address`` as its default value."""
    declared: list[dict[str, str]] = [
        {"name": arg["name"]} for arg in argo_step_args(gates, service="")
    ]
    declared.append({"name": ADDRESS_ARG, "value": prometheus_address})
    return {
        "apiVersion": ARGO_API_VERSION,
        "kind": "ClusterAnalysisTemplate" if scope == "cluster" else "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"args": declared, "metrics": [_argo_metric(m) for m in gates.metrics]},
    }


def flagger_template_name(metric: str) -> str | None:
    """The MetricTemplate a Flagger metric references; None for Flagger's built-ins."""
    return None if metric in FLAGGER_BUILTIN_METRICS else FLAGGER_TEMPLATE_PREFIX + metric


def flagger_metric_templates(
    gates: AnalysisGates, *, prometheus_address: str = DEFAULT_PROMETHEUS_ADDRESS
) -> list[dict[str, Any]]:
    """One MetricTemplate per policy metric that is not a Flagger built-in (none by default).
    Flagger compares the query's value with the Canary's ``thresholdRange``."""
    templates = []
    for metric in gates.metrics:
        name = flagger_template_name(metric.name)
        if name is None:
            continue
        query = _query(metric.name, "{{ target }}", "{{ interval }}")
        templates.append(
            {
                "apiVersion": FLAGGER_API_VERSION,
                "kind": "MetricTemplate",
                "metadata": {"name": name},
                "spec": {
                    "provider": {"type": "prometheus", "address": prometheus_address},
                    "query": query,
                },
            }
        )
    return templates
