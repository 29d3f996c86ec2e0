"""cipipe model train --from-db: the history store's own labelled builds, with the seed's
features, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.risk.model.storehistory import Cli, fill
from tests.support.historydb import Backend

SEED_FEATURES = {
    "loc_changed", "files_changed", "unit_tests_failed", "integration_failed",
    "dependency_bump", "vulnerabilities_critical", "module_failure_rate", "author_reliability",
    "repository_reliability", "hour_of_day", "flakiness_index", "platform_arm",
    "platform_linux",
}  # fmt: skip


def test_trains_on_the_stores_labelled_builds(cli: Cli, backend: Backend, tmp_path: Path) -> None:
    filled = fill(cli, backend.url, tmp_path / "builds", 100)
    assert filled.unlabelled == 5 and 20 < filled.failed < filled.labelled - 20
    registry = tmp_path / "models"
    result = cli("model", "train", "--from-db", "--db", backend.url, "--out", registry)
    assert result.exit_code == 0, result.stderr
    assert f"{filled.labelled} labelled builds" in result.stderr
    assert "5 without an outcome" in result.stderr
    # build 1 had no coverage report: the feature is left out and named, not guessed
    assert "features left out: coverage_delta (missing in 1)" in result.stderr
    model = json.loads((registry / result.stdout.strip() / "model.json").read_text())
    assert set(model["features"]) == SEED_FEATURES
    assert model["training"]["rows"] == filled.labelled
    assert model["training"]["saved_model"]["rows"] == filled.labelled
    assert {"name": "hour_of_day", "op": "value", "inputs": ["hour_of_day"]} in model["columns"]
    assert model["metrics"]["test"]["rows"] == round(filled.labelled * 0.2)
    # no `la` here: the lines changed are the baseline each fold's choice must beat
    assert model["training"]["selection"]["baseline"] == "loc_changed"
    assert model["metrics"]["test"]["baseline"] == "loc_changed"


def test_too_few_labelled_builds_or_one_class_exit_2(cli: Cli, tmp_path: Path) -> None:
    few = str(tmp_path / "few.sqlite3")
    fill(cli, few, tmp_path / "few", 30)
    result = cli("model", "train", "--from-db", "--db", few, "--out", tmp_path / "models")
    assert result.exit_code == 2
    assert "too few labelled rows" in result.stderr and "--from-db" in result.stderr
    good = str(tmp_path / "good.sqlite3")
    fill(cli, good, tmp_path / "good", 100, all_good=True)
    result = cli("model", "train", "--from-db", "--db", good, "--out", tmp_path / "models")
    assert result.exit_code == 2 and "0 failed" in result.stderr
    both = cli("model", "train", "--from-db", "--db", good, "--history", tmp_path / "h.csv")
    assert both.exit_code == 2 and "either --history FILE or --from-db" in both.stderr
