"""cipipe backtest: replay the risk heuristic over labelled release history (seed Step 3 E)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP, policy_fetch_options
from cipipe.errors import ExitCode, InputError

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from cipipe.contracts.backtest import Backtest
    from cipipe.risk.history_table import HistoryTable
    from cipipe.risk.policy.bundle import PolicyBundle


def parse_lag(text: str | None) -> int:
    if not text:
        return 0
    from pydantic import TypeAdapter, ValidationError

    from cipipe.risk.policy.models import Duration

    try:
        return int(TypeAdapter(Duration).validate_python(text))
    except ValidationError:
        raise InputError(
            f"got {text!r}", field="--label-lag", expected="a duration like 12h or 30d"
        ) from None


def parse_features(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError("is empty", field="--features", expected="column names, comma separated")
    return names


def load_table(
    state: CliState,
    history: Path | None,
    from_db: bool,
    db: str | None,
    label: str | None,
    time: str | None,
    features: list[str] | None,
    id_column: str | None,
) -> tuple[HistoryTable, list[str] | None, int, str, str]:
    """(table, criticality per row, unlabelled builds left out, label name, time name)."""
    from cipipe.risk.history_table import KNOWN_FEATURES, load_history, table_from_records

    if (history is None) == (not from_db):
        raise InputError("give either --history FILE or --from-db", field="--history")
    if history is not None:
        for flag, value in (("--label", label), ("--time", time)):
            if not value:
                raise InputError("is required with --history", field=flag, expected="a column")
        assert label is not None and time is not None
        table = load_history(
            history, label=label, time=time, features=features, id_column=id_column
        )
        return table, None, 0, label, time
    from cipipe.adapters.history.labelled import ID, LABEL, TIME, labelled_rows
    from cipipe.cli.inputs import history_store

    store = history_store(state, db)
    try:
        rows = labelled_rows(store)
        source = store.url
    finally:
        store.close()
    if not rows.records:
        raise InputError("no build with an outcome", file=source, expected="labelled builds")
    present = {k for r in rows.records for k in r}
    chosen = features or [f for f in KNOWN_FEATURES if f in present]
    table = table_from_records(
        rows.records, source=source, label=LABEL, time=TIME, features=chosen, id_column=ID
    )
    criticality = [rows.criticality.get(i, "normal") for i in table.ids]
    return table, criticality, rows.unlabelled, LABEL, TIME


def history_options(func: F) -> F:
    """--history or --from-db and how to read the rows: the same on every command that
    replays labelled history (backtest, policy diff); ``load_table`` takes what they give."""
    for option in reversed(
        [
            click.option(
                "--history",
                type=click.Path(path_type=Path, dir_okay=False),
                help="CSV/JSONL/Parquet",
            ),
            click.option("--from-db", is_flag=True, help="Labelled builds from the history store"),
            click.option("--db", help="History store: a SQLite path or a URL  [env: CIPIPE_DB]"),
            click.option("--label", help="The outcome column (1 = the release failed)"),
            click.option(
                "--time", "time_column", help="The time column (epoch seconds or ISO 8601)"
            ),
            click.option(
                "--features", help="Only these columns, comma separated  [default: known ones]"
            ),
            click.option("--id", "id_column", help="A column naming each release"),
            click.option(
                "--label-lag", help="Leave out releases this recent (e.g. 30d): not yet judged"
            ),
        ]
    ):
        func = option(func)
    return func


def without_lagged(
    table: HistoryTable, crit: list[str] | None, lag: int
) -> tuple[HistoryTable, list[str] | None, int]:
    """The table without the releases within the label lag, their criticality kept in step,
    and how many were left out."""
    from cipipe.risk.history_table import apply_label_lag

    kept, dropped = apply_label_lag(table, lag)
    if crit is not None and dropped:
        kept_ids = set(kept.ids)
        crit = [c for i, c in zip(table.ids, crit, strict=True) if i in kept_ids]
    return kept, crit, dropped


def write_report(
    folder: Path,
    result: Backtest,
    table: HistoryTable,
    bundle: PolicyBundle,
    crit: list[str] | None,
) -> None:
    from cipipe.fileio import atomic_write_bytes, atomic_write_text
    from cipipe.risk.backtest.charts import all_charts
    from cipipe.risk.backtest.replay import replay
    from cipipe.risk.backtest.report import proposal_files, report_markdown

    folder.mkdir(parents=True, exist_ok=True)
    run = replay(table, bundle, criticality=crit)
    for name, data in all_charts(run, result.overall.auc).items():
        atomic_write_bytes(folder / name, data)
    atomic_write_text(folder / "report.md", report_markdown(result))
    if result.tuning is not None:
        (folder / "proposal").mkdir(exist_ok=True)
        for name, text in proposal_files(result.tuning, result.policy_version).items():
            atomic_write_text(folder / "proposal" / name, text)


def summary(result: Backtest, written: Path) -> str:
    from cipipe.risk.backtest.report import headline, pct

    lines = [
        f"backtest of {result.rows} releases from {result.source} "
        f"({result.bad_rows} bad rows, {result.excluded_by_label_lag} within the label lag, "
        f"{result.unlabelled_excluded} unlabelled)",
        *headline(result.overall),
    ]
    if result.features_not_in_history:
        lines.append("- not in the history: " + ", ".join(result.features_not_in_history))
    if result.tuning is not None:
        t = result.tuning
        edges = ", ".join(f"{b.strategy} {b.min}-{b.max}" for b in t.buckets)
        lines.append(
            f"- proposed: {edges}; manual_approval_at {t.manual_approval_at} "
            f"(target FPR {t.target_fpr:g} {'met' if t.met else 'NOT met'}; after: "
            f"FPR {pct(t.after_buckets_only.fpr)}, TPR {pct(t.after_buckets_only.tpr)}; with "
            f"per-service shifts: FPR {pct(t.after.fpr)}, TPR {pct(t.after.tpr)})"
        )
    lines.append(f"wrote {written}")
    return "\n".join(lines)


@click.command("backtest")
@history_options
@click.option("--policy", help=POLICY_HELP)
@policy_fetch_options
@click.option("--tune", is_flag=True, help="Propose bucket edges for --target-fpr")
@click.option(
    "--target-fpr",
    type=click.FloatRange(0, 1),
    help="[default: the policy's enforcement.max_false_positive_rate]",
)
@click.option(
    "--target-recall",
    type=click.FloatRange(0, 1),
    help="Recall to reach for the services the policy lists (high criticality)",
)
@click.option("--report", "report_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print backtest.json")
@click.pass_obj
def command(
    state: CliState,
    history: Path | None,
    from_db: bool,
    db: str | None,
    label: str | None,
    time_column: str | None,
    features: str | None,
    id_column: str | None,
    label_lag: str | None,
    policy: str | None,
    policy_pin: str | None,
    policy_deadline: float | None,
    tune: bool,
    target_fpr: float | None,
    target_recall: float | None,
    report_dir: Path | None,
    as_json: bool,
) -> int:
    """How the risk heuristic would have done over labelled release history, replayed in time
    order: confusion of bucket and outcome, TPR/FPR of slowing a release down, precision and
    recall at the top K %, AUC and the cost per week; --tune proposes bucket edges."""
    from cipipe.extras import require_extra

    # Before anything is read or written: the replay needs numpy, the report's charts
    # matplotlib; a missing one exits 2 with the extra to install.
    require_extra("model", "numpy", command="cipipe backtest")
    if report_dir is not None:
        require_extra("charts", command="cipipe backtest --report")
    from cipipe.cli.inputs import policy_bundle
    from cipipe.risk.backtest.replay import Provenance, backtest
    from cipipe.risk.backtest.tune import tune as tune_edges

    lag = parse_lag(label_lag)
    bundle, _ = policy_bundle(policy, pin=policy_pin, deadline=policy_deadline)
    loaded = load_table(
        state, history, from_db, db, label, time_column, parse_features(features), id_column
    )
    table, crit, unlabelled, label_name, time_name = loaded
    kept, crit, dropped = without_lagged(table, crit, lag)
    provenance = Provenance(label_name, time_name, len(table), lag, dropped, unlabelled)
    result = backtest(kept, bundle, provenance, criticality=crit)
    if tune:
        goal = target_fpr
        if goal is None:
            goal = bundle.thresholds.enforcement.max_false_positive_rate
        tuning = tune_edges(kept, bundle, goal, target_recall=target_recall, criticality=crit)
        result = result.model_copy(update={"tuning": tuning})
    written = state.workdir.write(result)
    if report_dir is not None:
        write_report(report_dir, result, kept, bundle, crit)
    click.echo(result.to_json() if as_json else summary(result, written), nl=not as_json)
    return int(ExitCode.OK)
