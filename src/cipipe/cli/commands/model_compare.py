"""cipipe model compare: a candidate model against the approved one on the newest labelled
builds, before ``model promote`` (issue 19)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.commands.model_train_inputs import train_history_options
from cipipe.cli.options import POLICY_HELP, policy_fetch_options, top_moves_option
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.contracts.model_compare import ModelCompare
    from cipipe.risk.backtest.replay import Provenance
    from cipipe.risk.history_table import HistoryTable
    from cipipe.risk.model.compare import Compared
    from cipipe.risk.model.registry import Registry
    from cipipe.risk.model.scoring import ScoringModel
    from cipipe.risk.policy.bundle import PolicyBundle

MARKDOWN_FILE = "model-compare.md"
FAIL_IF_HELP = (
    "Exit 1 (files still written) when METRIC OP NUMBER holds, e.g. auc_drop>0.02 or "
    "fpr>0.10; METRIC[SERVICE] for one service; repeatable. OP: > >= < <= == !=. METRIC: "
    "policy diff's (fpr, tpr, precision, recall_at_5, recall_at_10, recall_at_20, "
    "recall_at_50, fpr_increase, recall_drop, "
    "changed_decisions, changed_fraction: CURRENT as OLD, CANDIDATE as NEW) and auc, brier, "
    "ece (CANDIDATE's), auc_drop, brier_increase, ece_increase"
)  # written out rather than built from compare_gate.METRICS: that import pulls in numpy


@click.command("compare")
@click.argument("candidate")
@click.argument("current", required=False)
@click.option(
    "--registry",
    type=click.Path(path_type=Path),
    help="The model registry folder  "
    "[env: CIPIPE_MODEL_REGISTRY; default: models/ beside the work folder]",
)
@train_history_options
@click.option(
    "--last",
    type=click.IntRange(1),
    default=500,
    show_default=True,
    help="Score the newest N labelled builds",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only builds that started at or after this UTC date (with --last: the newest N of those)",
)
@click.option("--policy", help=POLICY_HELP)
@policy_fetch_options
@top_moves_option
@click.option("--fail-if", "fail_if", multiple=True, metavar="EXPR", help=FAIL_IF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print model-compare.json")
@click.pass_obj
def command(
    state: CliState, candidate: str, current: str | None, registry: Path | None,
    history: Path | None, from_db: bool, db: str | None, label: str | None,
    time_column: str | None, id_column: str | None, label_lag: str | None, last: int,
    since: datetime | None, policy: str | None, policy_pin: str | None,
    policy_deadline: float | None, top: int, fail_if: tuple[str, ...], as_json: bool,
) -> int:  # fmt: skip
    """Score CANDIDATE and CURRENT (versions in the registry; CURRENT defaults to the approved
    model the policy references, as decide-strategy chooses it) on the newest labelled builds
    (--from-db: the history store's, with the features model train --from-db learns from; or
    --history FILE) and report AUC, Brier, ECE, recall at K % gated, FPR and TPR at the
    policy's manual-approval and blue-green cuts (overall and per service and platform) and
    the decisions whose strategy or approval would change. Writes model-compare.json and
    model-compare.md; model promote asks for it. A held --fail-if is exit 1 after the files."""
    from cipipe.extras import require_extra

    require_extra("model", command="cipipe model compare")
    from cipipe.cli.app import refused
    from cipipe.errors import RefusedError
    from cipipe.risk.model.compare import compare, newest
    from cipipe.risk.model.compare_gate import parse
    from cipipe.risk.policy.diff_gate import check_all, held_message

    expressions = [parse(text) for text in fail_if]  # a typo is exit 2 before any work
    since = since.replace(tzinfo=UTC) if since else None  # --since is a UTC date
    what = choose_models(state, candidate, current, registry, db, policy, policy_pin,
                         policy_deadline, last, since, from_db)  # fmt: skip
    names = sorted({*what.candidate.features, *what.current.features})
    table, provenance = load_rows(
        state, history, from_db, db, label, time_column, id_column, label_lag, names
    )
    rows = newest(table, last, since)
    result = compare(rows, what, provenance, now=_now(), top=top)
    result = result.model_copy(update={"fail_if": check_all(expressions, result)})
    write_and_print(state, result, as_json)
    message = held_message(result.fail_if, command="model compare")
    if message is not None:
        return refused(state, RefusedError(message))
    return int(ExitCode.OK)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class _Current:
    model: ScoringModel
    state: str
    chosen_by: str


def _state(reg: Registry, version: str) -> str:
    entry = next((e for e in reg.entries() if e.version == version), None)
    if entry is None:
        raise InputError(f"model {version} is not in the registry {reg.root}", field="VERSION")
    return entry.state


def _current(
    state: CliState, reg: Registry, given: str | None, bundle: PolicyBundle, db: str | None
) -> _Current:
    """CURRENT as given, else the policy's model if decide-strategy would score with it."""
    if given is not None:
        return _Current(reg.load(given), _state(reg, given), "argument")
    from cipipe.cli.inputs import history_store
    from cipipe.risk.model.decision_score import load_referenced

    store = history_store(state, db)
    try:
        choice = load_referenced(bundle, reg.root, store)
    finally:
        store.close()
    if choice is None:
        raise InputError(
            "the policy references no model (weights.model.version): name CURRENT",
            field="CURRENT",
        )
    if choice.model is None:
        raise InputError(f"the policy's model cannot be CURRENT: {choice.problem}", field="CURRENT")
    return _Current(reg.load(choice.version), "approved", "policy")


def choose_models(
    state: CliState, candidate: str, current: str | None, registry: Path | None,
    db: str | None, policy: str | None, pin: str | None, deadline: float | None,
    last: int, since: datetime | None, from_db: bool,
) -> Compared:  # fmt: skip
    from cipipe.cli.inputs import model_registry, policy_bundle
    from cipipe.risk.model.compare import Compared
    from cipipe.risk.model.registry import Registry
    from cipipe.risk.policy.diff import policy_ref
    from cipipe.urls import strip_credentials

    bundle, spec = policy_bundle(policy, pin=pin, deadline=deadline)
    reg = Registry(model_registry(state, registry))
    cand_state = _state(reg, candidate)
    chosen = _current(state, reg, current, bundle, db)
    return Compared(
        candidate=reg.load(candidate),
        candidate_state=cand_state,
        current=chosen.model,
        current_state=chosen.state,
        current_from=chosen.chosen_by,
        bundle=bundle,
        policy=policy_ref(bundle, strip_credentials(spec)),
        last=last,
        since=since,
        from_db=from_db,
    )


def load_rows(
    state: CliState, history: Path | None, from_db: bool, db: str | None, label: str | None,
    time_column: str | None, id_column: str | None, label_lag: str | None, names: list[str],
) -> tuple[HistoryTable, Provenance]:  # fmt: skip
    """The labelled rows, oldest first, after the label lag; how many each step left out."""
    from cipipe.cli.commands.model import _lag_seconds
    from cipipe.risk.backtest.replay import Provenance
    from cipipe.risk.history_table import apply_label_lag, load_history
    from cipipe.risk.model.compare import services_from_ids

    if (history is None) == (not from_db):
        raise InputError("give either --history FILE or --from-db", field="--history")
    unlabelled = 0
    if history is not None:
        for flag, value in (("--label", label), ("--time", time_column)):
            if not value:
                raise InputError("is required with --history", field=flag, expected="a column")
        assert label is not None and time_column is not None
        table = load_history(
            history, label=label, time=time_column, features=names, id_column=id_column
        )
        label_name, time_name = label, time_column
    else:
        table, unlabelled = _store_rows(state, db)
        label_name, time_name = "outcome", "started_at"
    lag = _lag_seconds(label_lag)
    kept, dropped = apply_label_lag(table, lag)
    provenance = Provenance(label_name, time_name, len(table), int(lag), dropped, unlabelled)
    return services_from_ids(kept) if from_db else kept, provenance


def _store_rows(state: CliState, db: str | None) -> tuple[HistoryTable, int]:
    from cipipe.cli.inputs import history_store
    from cipipe.risk.model.store_features import store_history

    store = history_store(state, db)
    try:
        found = store_history(store.training_builds(), store.url)
    finally:
        store.close()
    return found.table, found.unlabelled


def write_and_print(state: CliState, result: ModelCompare, as_json: bool) -> None:
    """model-compare.json and model-compare.md into the work folder, then the summary."""
    from cipipe.risk.model.compare_report import markdown, summary

    written = [
        state.workdir.write(result),
        state.workdir.write_text(MARKDOWN_FILE, markdown(result)),
    ]
    text = result.to_json() if as_json else summary(result, [str(p) for p in written])
    click.echo(text, nl=not as_json)
