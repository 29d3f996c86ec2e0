"""cipipe model compare --history FILE: per service and platform from the file's columns, and
the golden files (two models trained at a fixed time on generated releases, one on shuffled
labels)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cipipe.risk.history_table import load_history
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import train_model
from tests.risk.histories import generated_rows, write_csv
from tests.risk.model.comparestore import policy_folder
from tests.risk.model.storehistory import Cli
from tests.support.snapshots import assert_snapshot, assert_snapshot_text

CSV_ARGS = ("--label", "failed", "--time", "time", "--id", "id")
FEATURES = ["lines_added", "lines_deleted", "files_changed", "unit_tests_failed", "coverage_delta"]
TRAINED_AT = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def trained(tmp_path: Path) -> tuple[Path, Path, str, str]:
    history = write_csv(tmp_path / "history.csv", generated_rows(400))
    table = load_history(history, label="failed", time="time", features=FEATURES, id_column="id")
    registry = Registry(tmp_path / "models")
    good = train_model(table, features=FEATURES, now=TRAINED_AT)
    shuffled = np.random.default_rng(5).permutation(table.labels)
    weak = train_model(replace(table, labels=shuffled), features=FEATURES, now=TRAINED_AT)
    registry.save(good, by="tests")
    registry.save(weak, by="tests")
    return history, registry.root, good.version, weak.version


def _normalised(text: str, data: dict[str, Any], tmp_path: Path) -> str:
    """What the clock, the machine and the shipped policy decide, replaced by names."""
    version = data["policy"]["version"]
    text = text.replace(version, "sha256:<policy>").replace(version[7:19], "<policy>")
    text = text.replace(data["created_at"], "<now>")
    for side in ("candidate", "current"):  # model.json names the history file it learnt from
        text = text.replace(data[side]["metadata_sha256"], f"<{side} model.json>")
    return text.replace(str(tmp_path), "<tmp>").replace(data["cipipe_version"], "<version>")


def test_history_file_per_service_and_platform_and_golden_files(
    cli: Cli, tmp_path: Path, trained: tuple[Path, Path, str, str]
) -> None:
    history, registry, good, weak = trained
    work = tmp_path / "work"
    result = cli("--workdir", work, "model", "compare", good, weak, "--history", history,
                 *CSV_ARGS, "--registry", registry, "--policy", policy_folder(tmp_path),
                 "--last", "300", "--top", "5")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads((work / "model-compare.json").read_text())
    assert data["from_db"] is False and data["rows"] == 300 and data["rows_read"] == 400
    assert sorted(data["by_service"]) == ["orders", "payments", "search"]
    assert sorted(data["by_platform"]) == ["arm", "linux"] and data["not_in_history"] == []
    assert sum(f["releases"] for f in data["by_service"].values()) == 300
    assert data["overall"]["quality_after"]["auc"] > data["overall"]["quality_before"]["auc"]
    assert f"model compare over 300 labelled builds from {history}" in result.stdout
    text = (work / "model-compare.md").read_text()
    assert_snapshot_text("model-compare.md", _normalised(text, data, tmp_path))
    assert_snapshot("model-compare.json", json.loads(_normalised(json.dumps(data), data, tmp_path)))


def test_a_failing_history_store_is_exit_3_and_a_bug_exit_4_with_nothing_written(
    cli: Cli, tmp_path: Path, trained: tuple[Path, Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    history, registry, good, weak = trained
    work = tmp_path / "work"
    nobody = "postgresql://cipipe@127.0.0.1:9/history"  # the discard port: refused at once
    base = ("--workdir", work, "model", "compare", good, weak, "--registry", registry)
    failing = cli(*base, "--from-db", "--db", nobody)
    assert failing.exit_code == 3, failing.stderr
    assert "Connection refused (after 3 attempts)" in failing.stderr.splitlines()[-1]
    assert not (work / "model-compare.json").exists()

    from cipipe.risk.model import compare

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(compare, "compare", broken)
    bug = cli(*base, "--history", history, *CSV_ARGS)
    assert bug.exit_code == 4 and "internal error: ZeroDivisionError: boom" in bug.stderr
    assert not (work / "model-compare.json").exists()
