"""cipipe model: train, evaluate, promote, list, push, pull and serve the learned risk model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.commands import model_compare, model_serve
from cipipe.cli.commands.model_train_inputs import train_history_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

    from cipipe.adapters.artifact_store.interface import ArtifactStore
    from cipipe.risk.history_table import HistoryTable
    from cipipe.risk.model.registry import Registry
    from cipipe.risk.model.scoring import ScoringModel

REGISTRY_HELP = (
    "The model registry folder  [env: CIPIPE_MODEL_REGISTRY; default: models/ beside the work "
    "folder]"
)
TARGET_HELP = (
    "https://HOST/artifactory or file:///PATH  [env: CIPIPE_ARTIFACTORY_URL; default: the "
    "local folder beside the work folder]"
)

command = click.Group(
    "model", help="Train, evaluate, approve, share and serve (over HTTP) the learned risk model."
)

history_options = [
    click.option("--history", type=click.Path(path_type=Path), required=True,
                 help="Labelled history: CSV, JSON lines or Parquet"),
    click.option("--label", required=True, help="The 0/1 column: 1 = the release failed"),
    click.option("--time", "time_column", required=True, help="The time column (epoch or ISO)"),
    click.option("--id", "id_column", help="The row id column"),
    click.option("--label-lag", help="Drop rows this recent (e.g. 30d): failures not yet found"),
]  # fmt: skip


def _needs_model_extra() -> None:
    """numpy, scikit-learn and LightGBM (the 'model' extra): train fits both models, and every
    other subcommand but list loads the booster to verify a model before using it."""
    from cipipe.extras import require_extra

    require_extra("model", command=click.get_current_context().command_path)


def _history_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(history_options):
        func = option(func)
    return func


def _registry(state: CliState, given: Path | None) -> Registry:
    from cipipe.cli.inputs import model_registry
    from cipipe.risk.model.registry import Registry

    return Registry(model_registry(state, given))


def _lag_seconds(text: str | None) -> float:
    if text is None:
        return 0.0
    from cipipe.risk.policy.models import _parse_duration

    try:
        return float(_parse_duration(text))
    except ValueError as exc:
        raise InputError(str(exc), field="--label-lag", expected="e.g. 30d or 12h") from None


def _load(
    history: Path,
    label: str,
    time_column: str,
    id_column: str | None,
    label_lag: str | None,
    features: list[str] | None,
) -> HistoryTable:
    from cipipe.risk.history_table import apply_label_lag, canonical_names, load_history
    from cipipe.risk.model import ModelError

    try:
        table = load_history(
            history, label=label, time=time_column, features=features, id_column=id_column
        )
    except InputError as exc:
        if features and exc.field in canonical_names(features):
            raise ModelError(
                f"history lacks feature {exc.field!r} that the model needs", file=str(history)
            ) from None
        raise
    table, dropped = apply_label_lag(table, _lag_seconds(label_lag))
    if table.bad_rows or dropped:
        click.echo(
            f"skipped {len(table.bad_rows)} unreadable rows, {dropped} within the lag", err=True
        )
    return table


def _metrics_line(metrics: dict[str, object]) -> str:
    keys = ("auc", "baseline_auc", "brier", "ece", "recall_at_10pct", "precision_at_10pct")
    return "  ".join(f"{k} {metrics[k]:.3f}" for k in keys if isinstance(metrics.get(k), float))


@command.command("train")
@train_history_options
@click.option(
    "--features",
    help="Comma-separated raw features  [default: the 14 change metrics present; with "
    "--from-db: the seed's features the store has]",
)
@click.option("--train-fraction", type=click.FloatRange(0.1, 1.0), default=0.8, show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path), help=REGISTRY_HELP)
@click.option("--by", default=lambda: os.environ.get("USER", "unknown"), help="Who trains it")
@click.pass_obj
def train_command(
    state: CliState, history: Path | None, from_db: bool, db: str | None, label: str | None,
    time_column: str | None, id_column: str | None, label_lag: str | None, features: str | None,
    train_fraction: float, out: Path | None, by: str,
) -> int:  # fmt: skip
    """Choose a setting on the oldest rows (rolling-origin folds), test it on the newest, then
    refit it on every row and save that; print its version."""
    _needs_model_extra()
    from cipipe.cli.commands.model_train_inputs import train_table
    from cipipe.risk.model.mlflow import log_training
    from cipipe.risk.model.train import train_model

    names = [f.strip() for f in features.split(",") if f.strip()] if features else None
    table = train_table(
        state, history, from_db, db, label, time_column, id_column, label_lag, names
    )
    if from_db and names is None:
        names = table.feature_names
    flag = "--from-db" if from_db else "--history"
    trained = train_model(table, features=names, train_fraction=train_fraction, input_flag=flag)
    registry = _registry(state, out)
    folder = registry.save(trained, by=by)
    log_training(trained.metadata, os.environ)
    click.echo(trained.version)
    test = trained.metadata["metrics"].get("test")
    click.echo(f"saved to {folder}", err=True)
    if test:
        click.echo(f"test rows {test['rows']}: {_metrics_line(test)}", err=True)
    saved = trained.metadata["training"]["saved_model"]
    if saved["refit_on_every_row"]:
        # The test figures above are of the same setting fitted without the test rows.
        click.echo(f"saved model: refit on all {saved['rows']} rows", err=True)
    return int(ExitCode.OK)


def _model(state: CliState, spec: str, registry: Path | None) -> ScoringModel:
    from cipipe.risk.model.scoring import load_model

    path = Path(spec)
    if path.is_dir():
        return load_model(path)
    return _registry(state, registry).load(spec)


@command.command("evaluate")
@click.option(
    "--model", "model_spec", required=True, help="A model folder, a version, or 'approved'"
)
@click.option("--registry", type=click.Path(path_type=Path), help=REGISTRY_HELP)
@_history_options
@click.option(
    "--window", help="The newest window to check for drift (e.g. 90d)  [default: last 25 %]"
)
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON")
@click.pass_obj
def evaluate_command(
    state: CliState, model_spec: str, registry: Path | None, history: Path, label: str,
    time_column: str, id_column: str | None, label_lag: str | None, window: str | None,
    as_json: bool,
) -> int:  # fmt: skip
    """Score a labelled history: AUC, Brier, ECE, recall when gating 10 %, the lines-added
    baseline, and drift of the newest window against the training metrics."""
    _needs_model_extra()
    from cipipe.risk.model.evaluate import evaluate

    model = _model(state, model_spec, registry)
    table = _load(history, label, time_column, id_column, label_lag, model.features)
    seconds = _lag_seconds(window) if window else None
    result = evaluate(model, table, window_seconds=seconds)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, sort_keys=True))
    else:
        click.echo(f"model {result.version}, {result.metrics['rows']} rows")
        click.echo(f"  all:    {_metrics_line(result.metrics)}")
        click.echo(f"  newest: {_metrics_line(result.newest)}")
        for finding in result.drift:
            click.echo(f"  drift: {finding}")
    return int(ExitCode.OK)


def _approver() -> str:
    """Who approves: the Jenkins user who started the build, else the login, else the build."""
    env = os.environ
    return env.get("BUILD_USER_ID") or env.get("USER") or env.get("BUILD_TAG") or "unknown"


@command.command("promote")
@click.argument("version")
@click.option("--registry", type=click.Path(path_type=Path), help=REGISTRY_HELP)
@click.option("--by", default=_approver, help="Who approves it  [default: BUILD_USER_ID or USER]")
@click.option(
    "--db", help="History store for the audit log: a SQLite path or a URL  [env: CIPIPE_DB]"
)
@click.option(
    "--comparison",
    type=click.Path(path_type=Path, dir_okay=False),
    help="model-compare.json of VERSION against the approved model  [default: in the work folder]",
)
@click.option("--max-age", default="7d", show_default=True, help="How old the comparison may be")
@click.option("--force", is_flag=True, help="Promote without a passing comparison (--reason)")
@click.option("--reason", help="Why --force: recorded in the model approvals log")
@click.pass_obj
def promote_command(
    state: CliState, version: str, registry: Path | None, by: str, db: str | None,
    comparison: Path | None, max_age: str, force: bool, reason: str | None,
) -> int:  # fmt: skip
    """Approve VERSION for decide-strategy; the version approved before is retired. Both state
    changes are also appended to the history store's hash-chained (and, with CIPIPE_AUDIT_KEY,
    signed) model approvals log, which decide-strategy asks before a model may score. A model
    replacing an approved one needs a passing `cipipe model compare` of VERSION against it on
    the same history store (its hash recorded), else exit 1; --force --reason TEXT records the
    reason instead. The first model ever needs none."""
    _needs_model_extra()
    from datetime import UTC, datetime

    from cipipe.cli.app import refused
    from cipipe.cli.commands.model_promote_inputs import gate, max_age_of
    from cipipe.cli.inputs import audit_keys
    from cipipe.errors import RefusedError

    if force and not (reason or "").strip():
        raise InputError("--force needs a reason", field="--reason", expected="some text")
    audit_keys(require_signing=True)  # a missing or bad key fails before the registry changes
    reg = _registry(state, registry)
    now = datetime.now(UTC).replace(microsecond=0)
    already = reg.approved() == version
    verdict = gate(state, reg, version, db, comparison, max_age_of(max_age), now, already)
    if verdict.problem is not None and not force:
        return refused(state, RefusedError(f"model promote {version}: {verdict.problem}"))
    if force:
        from cipipe.risk.model.promote_gate import forced

        verdict = forced(verdict, (reason or "").strip())
    previous = reg.promote(version, by=by, now=now)
    click.echo(f"approved {version}" + (f"; retired {previous}" if previous else ""))
    # Approved in the registry already: recorded again only when the history store's log
    # lacks it (approved before the log existed, or into another database), since
    # decide-strategy scores only with an approval that log holds.
    _record_promotion(state, db, reg, version, previous, by=by, now=now, unless_logged=already,
                      gate=verdict.evidence)  # fmt: skip
    return int(ExitCode.OK)


def _record_promotion(
    state: CliState, db: str | None, reg: Registry, version: str, previous: str | None,
    *, by: str, now: datetime, unless_logged: bool, gate: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    from cipipe.cli.inputs import history_store
    from cipipe.errors import CipipeError, OutsideSystemError
    from cipipe.risk.model.history_audit import record_promotion

    try:
        store = history_store(state, db, appends=True)
        try:
            logged = store.model_approvals(version) if unless_logged else []
            if logged and logged[-1].state == "approved":
                return
            record_promotion(store, reg, version, previous, by=by, at=now, gate=gate)
        finally:
            store.close()
    except CipipeError as exc:  # the store turns the database's own errors into these
        raise OutsideSystemError(
            f"{version} is approved in the registry {reg.root} (that change stays), but the "
            f"history store's model approvals log was not written: {exc}"
        ) from None


@command.command("list")
@click.option("--registry", type=click.Path(path_type=Path), help=REGISTRY_HELP)
@click.option(
    "--db",
    help="Also say how each approval was let through (a comparison, forced and why, the first "
    "model), from this history store's model approvals log",
)
@click.pass_obj
def list_command(state: CliState, registry: Path | None, db: str | None) -> int:
    """List the versions with state, held-out test AUC and the rows a refit model was fitted
    on; verify the approval log's hash chain."""
    from cipipe.risk.model.approvals import verify_approvals

    reg = _registry(state, registry)
    how = _how_approved(state, db) if db else {}
    for entry in reg.entries():
        auc = entry.metrics.get("auc")
        shown = f"{auc:.3f}" if isinstance(auc, float) else "-"
        refit = f"  refit on {entry.refit_rows} rows" if entry.refit_rows else ""
        gate = f"  [{how[entry.version]}]" if entry.version in how else ""
        click.echo(
            f"{entry.version}  {entry.state:<10} {entry.created_at}  auc {shown}{refit}{gate}"
        )
    problem = verify_approvals(reg.root)
    if problem is not None:
        click.echo(f"approval log broken: {problem}", err=True)
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


def _how_approved(state: CliState, db: str) -> dict[str, str]:
    """Per version, what let its newest approval through (``promote_gate.how_approved``)."""
    from cipipe.cli.inputs import history_store
    from cipipe.risk.model.promote_gate import how_approved

    store = history_store(state, db)
    try:
        events = store.model_approvals()
    finally:
        store.close()
    found = {}
    for event in events:
        phrase = how_approved(event.record) if event.state == "approved" else None
        if phrase is not None:
            found[event.version] = phrase
    return found


store_options = [
    click.option("--target", help=TARGET_HELP),
    click.option("--via", type=click.Choice(["rest", "jf"]), default="rest", show_default=True),
    click.option("--repository", default="candidates", show_default=True),
    click.option("--registry", type=click.Path(path_type=Path), help=REGISTRY_HELP),
]


def _store_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(store_options):
        func = option(func)
    return func


def _store(state: CliState, target: str | None, via: str, repository: str) -> ArtifactStore:
    from cipipe.cli.inputs import artifact_store

    return artifact_store(state, target, via, repository)


@command.command("push")
@click.argument("version")
@_store_options
@click.pass_obj
def push_command(
    state: CliState, version: str, target: str | None, via: str, repository: str,
    registry: Path | None,
) -> int:  # fmt: skip
    """Upload VERSION to models/VERSION/ in the artifact store, with its state."""
    _needs_model_extra()
    results = _registry(state, registry).push(_store(state, target, via, repository), version)
    sent = sum(r.bytes_sent for r in results)
    click.echo(f"pushed {version}: {len(results)} files, {sent} bytes sent")
    return int(ExitCode.OK)


@command.command("pull")
@click.argument("version")
@_store_options
@click.pass_obj
def pull_command(
    state: CliState, version: str, target: str | None, via: str, repository: str,
    registry: Path | None,
) -> int:  # fmt: skip
    """Download VERSION from the artifact store into the registry, verifying every hash."""
    _needs_model_extra()
    folder = _registry(state, registry).pull(_store(state, target, via, repository), version)
    click.echo(f"pulled {version} to {folder}")
    return int(ExitCode.OK)


command.add_command(model_serve.command)
command.add_command(model_compare.command)
