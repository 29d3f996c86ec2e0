"""cipipe decide-strategy: the risk score, the strategy and its pace (seed Step 3)."""

from __future__ import annotations

import getpass
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from cipipe.cli.app import CliState, refused
from cipipe.cli.options import POLICY_HELP, policy_fetch_options, store_options
from cipipe.errors import ExitCode, RefusedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from cipipe.adapters.history.interface import HistoryStore
    from cipipe.adapters.model_service.interface import ModelService
    from cipipe.contracts.risk_decision import Mode
    from cipipe.risk.exports import ExportKind
    from cipipe.risk.model.decision_score import ModelChoice
    from cipipe.risk.policy.bundle import PolicyBundle
    from cipipe.steps.decide_strategy.inputs import DecisionInputs
    from cipipe.steps.decide_strategy.run import DecideResult

# Long enough for a scoring on a loaded agent, short enough that a sick service costs a
# pipeline little before the local model or the heuristic decides.
DEFAULT_MODEL_DEADLINE = 2.0

log = logging.getLogger("cipipe.decide_strategy")


def decided_by(env: dict[str, str] | os._Environ[str]) -> str:
    """The automation id: Jenkins' BUILD_TAG, else user@host."""
    tag = env.get("BUILD_TAG", "").strip()
    if tag:
        return tag
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def model_service(url: str | None, deadline: float) -> ModelService | None:
    """The model service at --model-url (else CIPIPE_MODEL_URL); None without one."""
    if not url:
        return None
    from cipipe.adapters.model_service.http import HttpModelService

    return HttpModelService(url, deadline)


def local_model(
    bundle: PolicyBundle, registry: Path, approvals: HistoryStore, fallback_only: bool
) -> Callable[[], ModelChoice | None]:
    """Loads the policy's model from the registry when the decision needs it. Only a policy that
    references a model pays for loading one (LightGBM is slow to import); the history store's
    model approvals log must approve it too. Without the 'model' extra that is exit 2, unless
    the local model is only the fallback of a model service: then the heuristic decides."""

    def load() -> ModelChoice | None:
        from cipipe.adapters.history.signing import signature_required
        from cipipe.extras import MissingExtraError
        from cipipe.risk.model.decision_score import ModelChoice, load_referenced

        required = signature_required(os.environ)
        try:
            return load_referenced(bundle, registry, approvals, require_signed=required)
        except MissingExtraError as exc:
            if not fallback_only or bundle.weights.model.version is None:
                raise
            return ModelChoice(bundle.weights.model.version, None, f"no local model: {exc}")

    return load


def execute(
    state: CliState,
    inputs: Path | None = None,
    context: Path | None = None,
    labels: tuple[str, ...] = (),
    policy: str | None = None,
    mode: str | None = None,
    exports: tuple[str, ...] = (),
    export_plan: str = "apply",
    approval_url: str | None = None,
    analysis_template: str = "cipipe-health",
    analysis_scope: str = "namespace",
    prometheus_address: str | None = None,
    db: str | None = None,
    target: str | None = None,
    via: str = "rest",
    repository: str = "candidates",
    channel: str | None = None,
    registry: Path | None = None,
    policy_pin: str | None = None,
    policy_deadline: float | None = None,
    allow_rejected: bool = False,
    model_url: str | None = None,
    model_deadline: float = DEFAULT_MODEL_DEADLINE,
) -> int:
    from cipipe.cli.inputs import policy_bundle
    from cipipe.steps.decide_strategy.inputs import read_decision_inputs

    work = state.workdir
    bundle, spec = policy_bundle(policy, pin=policy_pin, deadline=policy_deadline)
    # Every file is read and validated before anything is opened or written.
    decision_inputs = read_decision_inputs(
        inputs or work.file("risk-inputs.json"), context, labels, work
    )
    service = decision_inputs.risk_inputs.service
    options = export_options(
        service, export_plan, approval_url, analysis_template, analysis_scope, prometheus_address
    )
    scorer = model_service(model_url, model_deadline)
    result = decide_with_history(
        state,
        decision_inputs,
        bundle,
        spec,
        mode=mode,
        exports=exports,
        options=options,
        db=db,
        target=target,
        via=via,
        repository=repository,
        channel=channel,
        registry=registry,
        scorer=scorer,
        allow_rejected=allow_rejected,
    )
    log_decision(result)
    return int(ExitCode.OK)


def decide_with_history(
    state: CliState,
    decision_inputs: DecisionInputs,
    bundle: PolicyBundle,
    spec: str,
    *,
    mode: str | None,
    exports: tuple[str, ...],
    options: dict[ExportKind, dict[str, Any]],
    db: str | None,
    target: str | None,
    via: str,
    repository: str,
    channel: str | None,
    registry: Path | None,
    scorer: ModelService | None,
    allow_rejected: bool,
) -> DecideResult:
    """Decides with the history store open (the audit log, the model approvals and a
    --from-db model's features are in it) and the work folder locked; the store is closed
    whatever happens. The candidate's store (``target``, ``via``, ``repository``) is opened
    only once publish.json names the build."""
    from cipipe.adapters.notifications.factory import open_notifier
    from cipipe.cli.inputs import candidate_store, history_store, model_registry
    from cipipe.steps.decide_strategy.run import run_decide_strategy

    work = state.workdir
    open_store = candidate_store(state, target, via, repository)
    store = history_store(state, db, appends=True)
    try:
        model = local_model(bundle, model_registry(state, registry), store, scorer is not None)
        with work.locked():
            result = run_decide_strategy(
                work,
                decision_inputs,
                bundle,
                policy_source=spec,
                mode=cast("Mode | None", mode),
                now=datetime.now(UTC),
                decided_by=decided_by(os.environ),
                history=store,
                open_store=open_store,
                notifier=open_notifier(os.environ, work.path, channel),
                exports=cast("tuple[ExportKind, ...]", exports),
                export_options=options,
                model=model,
                model_service=scorer,
                allow_rejected=allow_rejected,
            )
    finally:
        store.close()
    return result


def export_options(
    service: str,
    export_plan: str,
    approval_url: str | None,
    analysis_template: str,
    analysis_scope: str,
    prometheus_address: str | None,
) -> dict[ExportKind, dict[str, Any]]:
    """What each --export format needs beyond the decision: the plan to export, the
    service's preview and active names, the gate and the analysis the exported block uses."""
    address = {"prometheus_address": prometheus_address} if prometheus_address else {}
    return {
        "argo-rollouts": {
            "use": export_plan,
            "active_service": f"{service}-active",
            "preview_service": f"{service}-preview",
            "analysis_template": analysis_template,
            "analysis_scope": analysis_scope,
            **address,
        },
        "flagger": {"use": export_plan, "approval_url": approval_url, **address},
    }


def log_decision(result: DecideResult) -> None:
    d = result.decided.decision
    log.info(
        "risk %d -> %s%s (%s mode%s); %s",
        d.risk_score,
        d.recommended_strategy,
        ", manual approval required" if d.manual_approval_required else "",
        d.mode,
        f": applying {d.apply.strategy}" if d.mode == "shadow" else "",
        "notified" if result.delivery.ok else f"notification failed: {result.delivery.error}",
    )


@click.command("decide-strategy")
@click.option(
    "--inputs",
    type=click.Path(path_type=Path, dir_okay=False),
    help="risk-inputs.json  [default: the work folder's]",
)
@click.option(
    "--context",
    type=click.Path(path_type=Path, dir_okay=False),
    help="context.yaml: traffic, calendar, criticality, previous release, labels",
)
@click.option("--label", "labels", multiple=True, help="A team label, e.g. hotfix (repeatable)")
@click.option("--policy", help=POLICY_HELP)
@policy_fetch_options
@click.option(
    "--mode",
    type=click.Choice(["shadow", "enforce"]),
    help="Override the policy's mode  [default: enforce for the policy's enforce_services, "
    "else the policy's default_mode]",
)
@click.option(
    "--export",
    "exports",
    multiple=True,
    type=click.Choice(["argo-rollouts", "flagger"]),
    help="Also write the rollout plan as an Argo Rollouts strategy or a Flagger analysis",
)
@click.option(
    "--export-plan",
    type=click.Choice(["apply", "recommended"]),
    default="apply",
    show_default=True,
    help="Export what the pipeline applies now, or what the policy recommends",
)
@click.option(
    "--approval-url",
    envvar="CIPIPE_APPROVAL_URL",
    help="Flagger: the confirm-promotion gate when approval is required  "
    "[env: CIPIPE_APPROVAL_URL]",
)
@click.option(
    "--analysis-template",
    default="cipipe-health",
    show_default=True,
    help="Argo Rollouts: the name of the analysis template the steps reference and "
    "rollout-argo-rollouts-analysis.yaml defines",
)
@click.option(
    "--analysis-scope",
    type=click.Choice(["namespace", "cluster"]),
    default="namespace",
    show_default=True,
    help="Argo Rollouts: an AnalysisTemplate in the Rollout's namespace, or a "
    "ClusterAnalysisTemplate (referenced with clusterScope: true)",
)
@click.option(
    "--prometheus-address",
    envvar="CIPIPE_PROMETHEUS_ADDRESS",
    help="The Prometheus the exported templates query  [env: CIPIPE_PROMETHEUS_ADDRESS; "
    "default: http://prometheus-operated.monitoring.svc:9090]",
)
@click.option(
    "--db",
    help="History store for the audit log and a --from-db model's features: SQLite path or URL  "
    "[env: CIPIPE_DB]",
)
@store_options("the candidate")
@click.option("--channel", help="Slack channel  [env: SLACK_CHANNEL]")
@click.option(
    "--registry",
    type=click.Path(path_type=Path, file_okay=False),
    help="Model registry, when the policy references a model  [env: CIPIPE_MODEL_REGISTRY; "
    "default: models/ beside the work folder]",
)
@click.option(
    "--model-url",
    envvar="CIPIPE_MODEL_URL",
    help="The model service (`cipipe model serve`) that scores when the policy references a "
    "model; when it cannot, the local model and then the heuristic decide, and the decision "
    "says why  [env: CIPIPE_MODEL_URL]",
)
@click.option(
    "--model-deadline",
    envvar="CIPIPE_MODEL_DEADLINE",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MODEL_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="Longest the model service may take, connecting, reading and retries included  "
    "[env: CIPIPE_MODEL_DEADLINE]",
)
@click.option(
    "--allow-rejected",
    is_flag=True,
    help="Decide even when the gate rejected the build, for analysis: the decision records "
    "the rejection and nothing is set on the rejected files",
)
@click.pass_obj
def command(state: CliState, /, **options: Any) -> int:
    """Score the change's risk and choose rolling, canary or blue-green, with its pace.

    A build the gate rejected (gate.json, or state=rejected on its files in the store) gets no
    decision: exit 1, "rejected by the gate: no rollout", before anything is audited, written
    or attached, unless --allow-rejected.

    \b
    Reads:  risk-inputs.json (and build-info.json beside it for the changed paths),
            context.yaml, the policy bundle, publish.json when the build was published,
            gate.json when the gate ran
    Writes: risk-inputs-for-decision.json, risk-decision.json, rollout-*.yaml with --export
            (the block to merge, and the templates it references: the AnalysisTemplate,
            Flagger MetricTemplates for metrics Flagger does not build in);
            a record in the audit log (signed with CIPIPE_AUDIT_KEY when set); risk.*
            properties on the candidate's files, risk-decision.json and the audit log's
            anchor (audit-anchor.json) beside them; a message on the notification channel
    """
    try:
        return execute(state, **options)
    except RefusedError as exc:
        return refused(state, exc)
