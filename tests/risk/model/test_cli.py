from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.risk.model.histories import generated, write_csv

Cli = Callable[..., CliResult]
HISTORY = ("--label", "bug", "--time", "date", "--id", "_id")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_csv(generated(2500, seed=2), tmp_path / "history.csv")


def test_train_evaluate_promote_list(
    cli: Cli, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("CIPIPE_DB", str(tmp_path / "history.db"))
    registry = tmp_path / "models"
    trained = cli(
        "model", "train", "--history", history, *HISTORY, "--out", registry, "--by", "ann"
    )
    assert trained.exit_code == 0, trained.stderr
    version = trained.stdout.strip()
    assert version.startswith("m-") and (registry / version / "model.json").is_file()
    assert "auc" in trained.stderr

    evaluated = cli(
        "model", "evaluate", "--model", version, "--registry", registry,
        "--history", history, *HISTORY, "--json",
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    for key in ("auc", "brier", "ece", "recall_at_10pct", "baseline_auc", "drift", "newest"):
        assert key in report
    assert report["auc"] > 0.7 and report["model"] == version

    by_folder = cli("model", "evaluate", "--model", registry / version, "--history", history,
                    *HISTORY, "--window", "30d")  # fmt: skip
    assert by_folder.exit_code == 0 and "newest" in by_folder.stdout

    promoted = cli("model", "promote", version, "--registry", registry, "--by", "bob")
    assert promoted.exit_code == 0 and f"approved {version}" in promoted.stdout
    listed = cli("model", "list", "--registry", registry)
    assert listed.exit_code == 0
    assert version in listed.stdout and "approved" in listed.stdout
    assert "refit on 2500 rows" in listed.stdout

    log = registry / "approvals.jsonl"
    log.write_text(log.read_text().replace('"by":"bob"', '"by":"eve"'))
    broken = cli("model", "list", "--registry", registry)
    assert broken.exit_code == 1 and "approval log broken" in broken.stderr


def test_push_then_pull_by_cli(cli: Cli, history: Path, tmp_path: Path) -> None:
    registry, store = tmp_path / "models", tmp_path / "store"
    version = cli("model", "train", "--history", history, *HISTORY, "--out", registry).stdout
    version = version.strip()
    target = ("--target", f"file://{store}")
    pushed = cli("model", "push", version, *target, "--registry", registry)
    assert pushed.exit_code == 0, pushed.stderr
    pulled = cli("model", "pull", version, *target, "--registry", tmp_path / "other")
    assert pulled.exit_code == 0, pulled.stderr
    assert (tmp_path / "other" / version / "lightgbm.txt").is_file()


def test_input_errors_exit_2(cli: Cli, history: Path, tmp_path: Path) -> None:
    registry = tmp_path / "models"
    version = cli("model", "train", "--history", history, *HISTORY, "--out", registry)
    lacking = write_csv(generated(300, seed=3), tmp_path / "lacking.csv", drop="sexp")
    result = cli("model", "evaluate", "--model", version.stdout.strip(), "--registry", registry,
                 "--history", lacking, *HISTORY)  # fmt: skip
    assert result.exit_code == 2 and "'sexp'" in result.stderr
    missing = cli("model", "evaluate", "--model", "m-20260101T000000Z-00000000",
                  "--registry", registry, "--history", history, *HISTORY)  # fmt: skip
    assert missing.exit_code == 2 and "not found" in missing.stderr
    bad = cli("model", "train", "--history", history, *HISTORY, "--features", "la,bogus",
              "--out", registry)  # fmt: skip
    assert bad.exit_code == 2 and "'bogus'" in bad.stderr
    lag = cli("model", "train", "--history", history, *HISTORY, "--label-lag", "soon",
              "--out", registry)  # fmt: skip
    assert lag.exit_code == 2 and "--label-lag" in lag.stderr


def test_train_resolves_feature_aliases_and_records_both(cli: Cli, tmp_path: Path) -> None:
    """The ISSTA'21 data writes 'entrophy'; the loader reads it as 'entropy', and so must the
    names a user gives."""
    path = write_csv(generated(1500, seed=4), tmp_path / "h.csv")
    path.write_text(path.read_text().replace("entropy", "entrophy", 1))
    registry = tmp_path / "models"
    result = cli("model", "train", "--history", path, *HISTORY, "--features", "la,entrophy,exp",
                 "--out", registry)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "saved model: refit on all 1500 rows" in result.stderr
    model = json.loads((registry / result.stdout.strip() / "model.json").read_text())
    assert model["features"] == ["la", "entropy", "exp"]
    assert model["features_as_given"] == ["la", "entrophy", "exp"]
    missing = write_csv(generated(300, seed=3), tmp_path / "lacking.csv", drop="entropy")
    lacking = cli("model", "train", "--history", missing, *HISTORY, "--features",
                  "la,entrophy", "--out", registry)  # fmt: skip
    assert lacking.exit_code == 2 and "'entropy'" in lacking.stderr


def test_the_model_help_and_the_command_spec_name_serve(cli: Cli) -> None:
    from cipipe.cli.commands.model import command
    from cipipe.cli.spec import COMMANDS

    assert "serve" in command.commands
    (spec,) = [s for s in COMMANDS if s.name == "model"]
    assert "serve" in spec.summary, spec.summary
    group = cli("model", "--help")
    assert group.exit_code == 0 and "serve (over HTTP)" in group.stdout
    top = cli("--help")
    assert "serve (over HTTP)" in " ".join(top.stdout.split())
