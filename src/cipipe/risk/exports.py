"""Export a risk decision's rollout plan for a progressive-delivery controller.

``argo_rollouts_strategy`` gives the ``spec.strategy`` block of an Argo Rollouts ``Rollout``;
``flagger_analysis`` gives the ``spec.analysis`` block of a Flagger ``Canary``. Both are pure:
they read the decision and return plain dicts, which ``render_yaml`` / ``export`` turn into
YAML to paste or merge into a manifest. ``export_files`` adds what those blocks reference
(``analysis_templates``): the AnalysisTemplate of the analysis steps, and the MetricTemplates
of Flagger metrics that are not built in, each a whole Kubernetes object in a file of its own
(the blocks are fragments to merge, which ``kubectl apply`` and Argo CD cannot take; the
templates are objects they apply as they are).

With ``decision_ref`` (the decision's hash in the audit chain, known once it is appended) the
exports carry the build: ``cipipe.io/service``, ``cipipe.io/build-id`` and
``cipipe.io/decision``, read back by ``cipipe outcome sync`` to label the exact build and
decision. Argo Rollouts: in the pod template (``spec.template.metadata.annotations``: the
fragment gets ``template:`` beside ``strategy:``), so every revision names its build; Flagger:
the Canary's own ``metadata.annotations``, in a file of its own (``rollout-flagger-metadata.yaml``:
the Canary's spec has no place for them and the block is spec-relative).

``use="apply"`` exports what the pipeline should do now (``decision.apply``: in shadow mode
the configured default strategy); ``use="recommended"`` exports what the policy recommends
(``recommended_strategy``, ``suggested_pace`` and ``manual_approval_required``).

References (field names checked against the CRDs, see tests/data/crds/README.md):
- https://argoproj.github.io/argo-rollouts/features/canary/
- https://argoproj.github.io/argo-rollouts/features/bluegreen/
- https://docs.flagger.app/usage/deployment-strategies
- https://docs.flagger.app/usage/webhooks (manual gating)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from cipipe.contracts.risk_decision import (
    AnalysisGates,
    BlueGreenPace,
    CanaryPace,
    Pace,
    RiskDecision,
    RollingPace,
)
from cipipe.errors import InputError
from cipipe.risk.analysis_templates import (
    DEFAULT_PROMETHEUS_ADDRESS,
    Scope,
    argo_analysis_template,
    argo_duration,
    argo_step_args,
    flagger_metric_templates,
    flagger_template_name,
)

Use = Literal["apply", "recommended"]
ExportKind = Literal["argo-rollouts", "flagger"]

DEFAULT_ANALYSIS_TEMPLATE = "cipipe-health"
SERVICE_ANNOTATION = "cipipe.io/service"
BUILD_ID_ANNOTATION = "cipipe.io/build-id"
DECISION_ANNOTATION = "cipipe.io/decision"
# Argo's own default for blueGreen.scaleDownDelaySeconds; we never go below it.
ARGO_DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30
FLAGGER_APPROVAL_WEBHOOK = "manual-approval"


class ExportError(InputError):
    """The decision cannot be expressed for the requested controller (exit code: bad input)."""


def _plan(decision: RiskDecision, use: Use) -> tuple[Pace, bool]:
    """The pace and manual-approval flag ``use`` selects, checked for consistency."""
    if use == "apply":
        strategy = decision.apply.strategy
        pace = decision.apply.pace
        manual = decision.apply.manual_approval_required
    elif use == "recommended":
        strategy = decision.recommended_strategy
        pace = decision.suggested_pace
        manual = decision.manual_approval_required
    else:
        raise ExportError(f"use is {use!r}, expected 'apply' or 'recommended'")
    if pace.strategy != strategy:
        raise ExportError(f"{use}: strategy is {strategy!r} but the pace is for {pace.strategy!r}")
    return pace, manual


def _flagger_duration(seconds: int) -> str:
    # Flagger's CRD pattern for intervals is ^[0-9]+(m|s): no hours or days.
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def _number(value: float) -> int | float:
    """99.0 -> 99, so the YAML reads as the policy was written."""
    return int(value) if float(value).is_integer() else value


def _watch_seconds(pace: BlueGreenPace) -> int:
    return pace.healthy_windows * pace.window_seconds


# --- Argo Rollouts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Analysis:
    """What every analysis of one export references: the template and the service."""

    template: str
    scope: Scope
    service: str

    def block(self, gates: AnalysisGates) -> dict[str, Any]:
        ref: dict[str, Any] = {"templateName": self.template}
        if self.scope == "cluster":
            ref["clusterScope"] = True  # a ClusterAnalysisTemplate, not the namespace's
        return {"templates": [ref], "args": argo_step_args(gates, self.service)}


def _argo_canary(pace: CanaryPace, manual: bool, template: _Analysis) -> dict[str, Any]:
    # Each step below 100% is: setWeight, pause for the step's window, then an inline
    # analysis that must pass before the next weight. The 100% step is a bare setWeight:
    # it is the end of the plan, after which Argo marks the new ReplicaSet stable, so its
    # window is not exported (the post-deploy watch covers it). A manual approval is an
    # indefinite `pause: {}` just before it (released by `kubectl argo rollouts promote`).
    steps: list[dict[str, Any]] = []
    for step in pace.steps:
        if step.weight >= 100:
            if manual:
                steps.append({"pause": {}})
                manual = False
            steps.append({"setWeight": step.weight})
            continue
        steps.append({"setWeight": step.weight})
        steps.append({"pause": {"duration": argo_duration(step.window_seconds)}})
        steps.append({"analysis": template.block(pace.analysis)})
    if manual:
        # No 100% step in the plan: hold before Argo's own final promotion instead.
        steps.append({"pause": {}})
    return {"canary": {"steps": steps}}


def _argo_rolling(pace: RollingPace, manual: bool) -> dict[str, Any]:
    # Argo Rollouts has no "rolling" strategy: a canary without steps mimics a Deployment's
    # rolling update, paced by maxSurge / maxUnavailable
    # (https://argoproj.github.io/argo-rollouts/features/canary/#mimicking-rolling-update).
    # batch_percent new pods are surged per wave and none of the old are taken down before
    # the new ones are ready (maxUnavailable 0), so capacity never drops.
    canary: dict[str, Any] = {"maxSurge": f"{pace.batch_percent}%", "maxUnavailable": 0}
    if manual:
        # One indefinite pause before anything shifts; `kubectl argo rollouts promote` then
        # lets the update run to the end at the same maxSurge / maxUnavailable.
        canary["steps"] = [{"pause": {}}]
    return {"canary": canary}


def _argo_blue_green(
    pace: BlueGreenPace, manual: bool, template: _Analysis, active: str, preview: str
) -> dict[str, Any]:
    watch = _watch_seconds(pace)
    blue_green: dict[str, Any] = {
        "activeService": active,
        "previewService": preview,
        "autoPromotionEnabled": not manual,
    }
    if not manual:
        # Promote after the green stack has been watched for every healthy window.
        blue_green["autoPromotionSeconds"] = watch
    blue_green["prePromotionAnalysis"] = template.block(pace.analysis)
    # Keep blue scaled up for as long as green was watched before cutover, so an abort
    # after cutover is a service switch, not a redeploy; never below Argo's 30s default.
    blue_green["scaleDownDelaySeconds"] = max(watch, ARGO_DEFAULT_SCALE_DOWN_DELAY_SECONDS)
    return {"blueGreen": blue_green}


def argo_rollouts_strategy(
    decision: RiskDecision,
    *,
    use: Use = "apply",
    analysis_template: str = DEFAULT_ANALYSIS_TEMPLATE,
    analysis_scope: Scope = "namespace",
    active_service: str,
    preview_service: str,
) -> dict[str, Any]:
    """The ``spec.strategy`` block of an Argo Rollouts ``Rollout`` (without the key).

    The services are only used by blue-green; ``analysis_template`` names the
    AnalysisTemplate (``analysis_scope="cluster"``: ClusterAnalysisTemplate) that receives the
    gates as args (``analysis_templates.argo_analysis_template`` writes it).
    """
    pace, manual = _plan(decision, use)
    template = _Analysis(analysis_template, analysis_scope, decision.service)
    if isinstance(pace, CanaryPace):
        return _argo_canary(pace, manual, template)
    if isinstance(pace, BlueGreenPace):
        return _argo_blue_green(pace, manual, template, active_service, preview_service)
    return _argo_rolling(pace, manual)


# --- Flagger ----------------------------------------------------------------------------------


def _flagger_metrics(gates: AnalysisGates) -> list[dict[str, Any]]:
    # Flagger's built-ins (request-success-rate, request-duration) need no templateRef; any
    # other metric references the MetricTemplate export_files writes for it (in the Canary's
    # namespace). Each is queried over one analysis interval.
    interval = _flagger_duration(gates.interval_seconds)
    metrics: list[dict[str, Any]] = []
    for metric in gates.metrics:
        entry: dict[str, Any] = {"name": metric.name}
        template = flagger_template_name(metric.name)
        if template is not None:
            entry["templateRef"] = {"name": template}
        bounds = {
            key: _number(value)
            for key, value in (("min", metric.min), ("max", metric.max))
            if value is not None
        }
        if bounds:
            entry["thresholdRange"] = bounds
        entry["interval"] = interval
        metrics.append(entry)
    return metrics


def flagger_analysis(
    decision: RiskDecision, *, use: Use = "apply", approval_url: str | None = None
) -> dict[str, Any]:
    """The ``spec.analysis`` block of a Flagger ``Canary`` (without the key).

    ``approval_url`` is the gate a ``confirm-promotion`` webhook calls when a manual approval
    is required (e.g. the load tester's ``/gate/check``); it is then mandatory.
    """
    pace, manual = _plan(decision, use)
    if isinstance(pace, RollingPace):
        # Flagger always runs a primary/canary pair with a traffic analysis; it has no
        # rolling mode (https://docs.flagger.app/usage/deployment-strategies). A rolling
        # update is the plain Deployment's strategy, with no Flagger Canary at all.
        raise ExportError(
            f"{use}: Flagger has no rolling strategy; roll the Deployment itself "
            "(or use Argo Rollouts, whose step-less canary is a rolling update)"
        )
    gates = pace.analysis
    analysis: dict[str, Any] = {
        "interval": _flagger_duration(gates.interval_seconds),
        "threshold": gates.failure_limit,
    }
    if isinstance(pace, CanaryPace):
        # Flagger promotes after the last of stepWeights, so 100 is not listed; maxWeight is
        # only for the linear stepWeight mode. Flagger advances one step per passing
        # interval: the per-step windows cannot be expressed.
        weights = [step.weight for step in pace.steps if step.weight < 100]
        if not weights:
            raise ExportError(f"{use}: the canary has no step below 100%")
        analysis["stepWeights"] = weights
    else:
        # Blue/green in Flagger is `iterations` without weights: checks run every interval,
        # so the watch (healthy_windows x window) becomes that many intervals, rounded up.
        analysis["iterations"] = math.ceil(_watch_seconds(pace) / gates.interval_seconds)
    analysis["metrics"] = _flagger_metrics(gates)
    if manual:
        if not approval_url:
            raise ExportError(f"{use}: manual approval is required but no approval_url given")
        analysis["webhooks"] = [
            {"name": FLAGGER_APPROVAL_WEBHOOK, "type": "confirm-promotion", "url": approval_url}
        ]
    return analysis


# --- YAML -------------------------------------------------------------------------------------


class _PlainDumper(yaml.SafeDumper):
    """safe_dump without anchors/aliases: a manifest repeats a block rather than &id001 it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_yaml(data: Mapping[str, Any]) -> str:
    """Block-style YAML in the dicts' own key order (yaml.safe_dump, sort_keys=False)."""
    return yaml.dump(dict(data), Dumper=_PlainDumper, sort_keys=False, default_flow_style=False)


def build_annotations(decision: RiskDecision, decision_ref: str) -> dict[str, str]:
    """What names the build and its audited decision on the rolled-out object."""
    return {
        SERVICE_ANNOTATION: decision.service,
        BUILD_ID_ANNOTATION: decision.build_id,
        DECISION_ANNOTATION: decision_ref,
    }


def export(
    decision: RiskDecision, kind: ExportKind, *, decision_ref: str | None = None, **opts: Any
) -> str:
    """YAML whose top level is exactly ``strategy:`` (Argo Rollouts; with ``decision_ref``
    also ``template:``, the pod template's annotations) or ``analysis:`` (Flagger); ``opts``
    go to ``argo_rollouts_strategy`` / ``flagger_analysis``."""
    if kind == "argo-rollouts":
        block: dict[str, Any] = {"strategy": argo_rollouts_strategy(decision, **opts)}
        if decision_ref is not None:
            notes = build_annotations(decision, decision_ref)
            block["template"] = {"metadata": {"annotations": notes}}
        return render_yaml(block)
    if kind == "flagger":
        return render_yaml({"analysis": flagger_analysis(decision, **opts)})
    raise ExportError(f"kind is {kind!r}, expected 'argo-rollouts' or 'flagger'")


# Each export's files: the block to merge first, then the objects it references (written only
# when referenced: a rolling plan has no analysis, built-in Flagger metrics no template).
EXPORT_FILES: dict[ExportKind, tuple[str, ...]] = {
    "argo-rollouts": ("rollout-argo-rollouts.yaml", "rollout-argo-rollouts-analysis.yaml"),
    "flagger": (
        "rollout-flagger.yaml",
        "rollout-flagger-metrics.yaml",
        "rollout-flagger-metadata.yaml",
    ),
}


def render_objects(objects: list[dict[str, Any]]) -> str:
    """Kubernetes objects as one multi-document YAML file, as ``kubectl apply -f`` reads it."""
    return "---\n".join(render_yaml(o) for o in objects)


def export_files(
    decision: RiskDecision,
    kind: ExportKind,
    *,
    prometheus_address: str = DEFAULT_PROMETHEUS_ADDRESS,
    decision_ref: str | None = None,
    **opts: Any,
) -> dict[str, str]:
    """File name -> YAML: ``export``'s block and the templates it references, built from the
    same plan (``opts["use"]``) so that the names and args agree; with ``decision_ref`` the
    build's annotations too (Flagger: the Canary's metadata, in a file of its own)."""
    if kind not in EXPORT_FILES:
        raise ExportError(f"kind is {kind!r}, expected 'argo-rollouts' or 'flagger'")
    block, objects_file = EXPORT_FILES[kind][:2]
    files = {block: export(decision, kind, decision_ref=decision_ref, **opts)}
    if kind == "flagger" and decision_ref is not None:
        notes = build_annotations(decision, decision_ref)
        files[EXPORT_FILES[kind][2]] = render_yaml({"metadata": {"annotations": notes}})
    pace, _ = _plan(decision, opts.get("use", "apply"))
    if isinstance(pace, RollingPace):
        return files  # nothing to analyse: no template is referenced
    objects = (
        [
            argo_analysis_template(
                pace.analysis,
                name=opts.get("analysis_template", DEFAULT_ANALYSIS_TEMPLATE),
                scope=opts.get("analysis_scope", "namespace"),
                prometheus_address=prometheus_address,
            )
        ]
        if kind == "argo-rollouts"
        else flagger_metric_templates(pace.analysis, prometheus_address=prometheus_address)
    )
    if objects:
        files[objects_file] = render_objects(objects)
    return files
