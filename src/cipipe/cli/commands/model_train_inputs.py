"""What ``cipipe model train`` learns from: a history file, or the history store's own
labelled builds (``--from-db``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.errors import InputError

if TYPE_CHECKING:
    from cipipe.risk.history_table import HistoryTable

TRAIN_HISTORY_OPTIONS = [
    click.option("--history", type=click.Path(path_type=Path),
                 help="Labelled history: CSV, JSON lines or Parquet"),
    click.option("--from-db", is_flag=True,
                 help="Train on the history store's labelled builds, with the seed's features"),
    click.option("--db", help="History store for --from-db: a SQLite path or a URL  "
                 "[env: CIPIPE_DB]"),
    click.option("--label", help="With --history: the 0/1 column, 1 = the release failed"),
    click.option("--time", "time_column", help="With --history: the time column (epoch or ISO)"),
    click.option("--id", "id_column", help="The row id column"),
    click.option("--label-lag", help="Drop rows this recent (e.g. 30d): failures not yet found"),
]  # fmt: skip


def train_history_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(TRAIN_HISTORY_OPTIONS):
        func = option(func)
    return func


def _from_db(state: CliState, db: str | None, label_lag: str | None) -> HistoryTable:
    """The store's labelled builds as a history with the seed's features (store_features.py)."""
    from cipipe.cli.commands.model import _lag_seconds
    from cipipe.cli.inputs import history_store
    from cipipe.risk.history_table import apply_label_lag
    from cipipe.risk.model.store_features import store_history

    store = history_store(state, db)
    try:
        history = store_history(store.training_builds(), store.url)
    finally:
        store.close()
    table, dropped = apply_label_lag(history.table, _lag_seconds(label_lag))
    left_out = ", ".join(f"{n} (missing in {c})" for n, c in sorted(history.left_out.items()))
    click.echo(
        f"{len(table)} labelled builds from {history.table.source}; {history.unlabelled} without "
        f"an outcome, {history.without_inputs} without risk inputs, {dropped} within the lag left "
        "out" + (f"; features left out: {left_out}" if left_out else ""),
        err=True,
    )
    return table


def train_table(
    state: CliState, history: Path | None, from_db: bool, db: str | None, label: str | None,
    time_column: str | None, id_column: str | None, label_lag: str | None,
    names: list[str] | None,
) -> HistoryTable:  # fmt: skip
    if (history is None) == (not from_db):
        raise InputError("give either --history FILE or --from-db", field="--history")
    if history is None:
        return _from_db(state, db, label_lag)
    for flag, value in (("--label", label), ("--time", time_column)):
        if not value:
            raise InputError("is required with --history", field=flag, expected="a column")
    assert label is not None and time_column is not None
    from cipipe.cli.commands.model import _load

    return _load(history, label, time_column, id_column, label_lag, names)
