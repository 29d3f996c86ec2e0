"""cipipe backtest in-process: files, report, tuning proposal, history store, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.history.interface import OutcomeResult
from tests.conftest import REPO_ROOT, CliResult
from tests.risk.histories import fill_orders_store, generated_rows, write_csv

Cli = Callable[..., CliResult]
POLICY = str(REPO_ROOT / "policies")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "history.csv", generated_rows(2000))


def _backtest(cli: Cli, work: Path, *args: str | Path) -> CliResult:
    return cli("--workdir", work, "backtest", "--policy", POLICY, *args)


def _written(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "backtest.json").read_text())
    return data


def test_backtest_writes_the_file_and_a_summary(cli: Cli, tmp_path: Path, history: Path) -> None:
    work = tmp_path / "work"
    result = _backtest(cli, work, "--history", history, "--label", "failed", "--time", "time")
    assert result.exit_code == 0, result.stderr
    assert "backtest of 2000 releases" in result.stdout and "AUC" in result.stdout
    data = _written(work)
    assert data["schema"] == "cipipe.backtest/1"
    assert data["rows"] == 2000 and data["overall"]["releases"] == 2000
    assert sorted(data["by_service"]) == ["orders", "payments", "search"]


def test_label_lag_and_bad_rows_are_counted(cli: Cli, tmp_path: Path) -> None:
    rows = generated_rows(200, groups=False)  # an hour apart
    rows[5]["failed"] = "maybe"
    rows[6]["lines_added"] = "lots"
    history = write_csv(tmp_path / "h.csv", rows)
    work = tmp_path / "work"
    args = ("--history", history, "--label", "failed", "--time", "time", "--label-lag", "1d")
    result = _backtest(cli, work, *args, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bad_rows"] == 2
    assert [b["row"] for b in data["bad_row_examples"]] == [6, 7]
    assert data["excluded_by_label_lag"] == 24
    assert data["rows_read"] == 198 and data["rows"] == 174


def test_report_and_proposal(cli: Cli, tmp_path: Path, history: Path) -> None:
    work, report = tmp_path / "work", tmp_path / "report"
    args = ("--history", history, "--label", "failed", "--time", "time", "--report", report)
    result = _backtest(cli, work, *args, "--tune", "--target-fpr", "0.1", "--target-recall", "0.8")
    assert result.exit_code == 0, result.stderr
    assert "proposed: rolling" in result.stdout
    text = (report / "report.md").read_text()
    assert "## Tuning proposal" in text and "## By service" in text
    first: dict[str, bytes] = {}
    for name in ("roc.png", "score-histogram.png", "reliability.png", "recall-vs-gated.png"):
        data = (report / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 1000
        assert f"({name})" in text
        first[name] = data
    proposal = report / "proposal"
    assert (proposal / "strategy-mapping-policy.yaml").is_file()
    assert "Sign-off" in (proposal / "thresholds-and-windows.md").read_text()
    assert _written(work)["tuning"]["target_recall"] == 0.8
    again = _backtest(cli, work, *args, "--tune", "--target-fpr", "0.1", "--target-recall", "0.8")
    assert again.exit_code == 0
    assert {n: (report / n).read_bytes() for n in first} == first  # same input, same bytes


def test_from_db(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    bad: dict[int, OutcomeResult] = {4: "slo-breach", 8: "rollback", 9: "rollback"}
    fill_orders_store(str(db), tmp_path / "unused.db", lines_step=100, bad=bad)
    work = tmp_path / "work"
    result = _backtest(cli, work, "--from-db", "--db", db, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["unlabelled_excluded"] == 2
    assert data["rows"] == 10 and data["overall"]["failures"] == 3
    assert data["features_used"]["lines_changed"] == ["lines_added", "lines_deleted"]
    assert list(data["by_service"]) == ["orders"]


def test_a_missing_label_column_exits_2_naming_it(cli: Cli, tmp_path: Path, history: Path) -> None:
    result = _backtest(
        cli, tmp_path / "w", "--history", history, "--label", "bug", "--time", "time"
    )
    assert result.exit_code == 2
    assert "'bug'" in result.stderr


def test_history_or_db_is_required(cli: Cli, tmp_path: Path) -> None:
    result = _backtest(cli, tmp_path / "w", "--label", "bug", "--time", "time")
    assert result.exit_code == 2 and "--history" in result.stderr
