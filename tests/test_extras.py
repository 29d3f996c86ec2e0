"""The extras: a command that needs a missing one exits 2 naming it, before it writes anything,
and the core (the pipeline steps) imports none of them.

An extra is made missing by hiding its modules in a fresh interpreter (``sys.modules[name] =
None``, which is how Python itself spells "cannot be imported"), so the rest of the suite
keeps them. `bench/bench_install.py` does the same with a real core install in a new
virtualenv.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import cipipe
from cipipe.extras import EXTRAS, MissingExtraError, installed, require_extra
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import TrainedModel
from tests.conftest import REPO_ROOT, CliResult
from tests.risk.histories import generated_rows, write_csv
from tests.risk.model.conftest import trained  # noqa: F401  (the session fixture)
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.model_policy import (
    CONTEXT,
    policy_with_model,
    promote,
)

Cli = Callable[..., CliResult]
POLICY = str(REPO_ROOT / "policies")
EVERY_EXTRA = sorted({m for modules in EXTRAS.values() for m in modules} | {"scipy"})
# What only an extra's commands import: numpy at module level, or LightGBM / matplotlib.
NEEDS_AN_EXTRA = (
    "cipipe.risk.backtest.replay",
    "cipipe.risk.backtest.charts",
    "cipipe.risk.backtest.report",
    "cipipe.risk.backtest.tune",
    "cipipe.risk.heuristic_columns",
    "cipipe.risk.history_table",
    "cipipe.risk.metrics",
    "cipipe.risk.model.compare",
    "cipipe.risk.model.compare_gate",
    "cipipe.risk.model.compare_report",
    "cipipe.risk.model.evaluate",
    "cipipe.risk.model.features",
    "cipipe.risk.model.fitting",
    "cipipe.risk.model.scoring",
    "cipipe.risk.model.selection",
    "cipipe.risk.model.store_features",
    "cipipe.risk.model.train",
    # policy diff replays both bundles as backtest does (numpy): it needs the same extra.
    "cipipe.risk.policy.diff",
    "cipipe.risk.policy.diff_gate",
    "cipipe.risk.policy.diff_report",
)

RUN = """
import sys
for name in sys.argv[1].split(","):
    if name:
        sys.modules[name] = None
from cipipe.cli import run
raise SystemExit(run(sys.argv[2:]))
"""


def without(hidden: Sequence[str], *argv: str | Path) -> CliResult:
    """cipipe ``argv`` in a new interpreter where the modules ``hidden`` cannot be imported."""
    result = subprocess.run(
        [sys.executable, "-c", RUN, ",".join(hidden), *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return CliResult(result.returncode, result.stdout, result.stderr)


def missing_line(command: str, extra: str, module: str) -> str:
    return (
        f"cipipe: error: {command} needs the '{extra}' extra ({module} is not installed): "
        f"pip install 'cipipe[{extra}]'"
    )


# ---- the helper ----


def test_require_extra_names_the_extra_and_the_missing_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_extra("model", command="cipipe model train")  # all installed here: no error
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    assert not installed("lightgbm") and installed("numpy")
    with pytest.raises(MissingExtraError) as caught:
        require_extra("model", command="cipipe model train")
    assert caught.value.exit_code == 2 and caught.value.extra == "model"
    assert str(caught.value) == (
        "cipipe model train needs the 'model' extra (lightgbm is not installed): "
        "pip install 'cipipe[model]'"
    )
    require_extra("model", "numpy", command="cipipe backtest")  # only what it names
    with pytest.raises(ValueError, match="unknown extra 'modle'"):
        require_extra("modle", command="x")


def test_pyproject_declares_every_extra_the_helper_names() -> None:
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = project["optional-dependencies"]
    assert set(EXTRAS) <= set(declared)
    assert declared["all"] == ["cipipe[model,charts,postgres]"]
    assert "cipipe[all,coverage,parquet]" in declared["test"]  # make test exercises them all
    core = " ".join(project["dependencies"]).lower()
    for heavy in ("numpy", "lightgbm", "scikit-learn", "matplotlib", "psycopg", "pyarrow"):
        assert heavy not in core, f"{heavy} is a core dependency"


# ---- the core needs no extra ----


def test_every_core_module_imports_without_any_extra() -> None:
    names = [
        m.name
        for m in pkgutil.walk_packages(cipipe.__path__, "cipipe.")
        if m.name not in NEEDS_AN_EXTRA and not m.name.endswith("__main__")  # it runs the CLI
    ]
    script = (
        "import importlib, sys\n"
        f"for hidden in {EVERY_EXTRA!r}: sys.modules[hidden] = None\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for name in NEEDS_AN_EXTRA:  # the list holds only what really needs one
        importlib.import_module(name)


# ---- each command that needs one ----


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "history.csv", generated_rows(200))


def test_backtest_without_numpy_exits_2_before_writing(tmp_path: Path, history: Path) -> None:
    work = tmp_path / "work"
    args = ("--history", history, "--label", "failed", "--time", "time")
    result = without(["numpy"], "--workdir", work, "backtest", "--policy", POLICY, *args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == missing_line("cipipe backtest", "model", "numpy")
    assert not (work / "backtest.json").exists()


def test_backtest_report_without_matplotlib_exits_2_before_writing(
    tmp_path: Path, history: Path
) -> None:
    work, report = tmp_path / "work", tmp_path / "report"
    args = ("--history", history, "--label", "failed", "--time", "time", "--report", report)
    result = without(["matplotlib"], "--workdir", work, "backtest", "--policy", POLICY, *args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == missing_line("cipipe backtest --report", "charts", "matplotlib")
    assert not (work / "backtest.json").exists() and not report.exists()
    plain = without(["matplotlib"], "--workdir", work, "backtest", "--policy", POLICY, *args[:6])
    assert plain.exit_code == 0, plain.stderr  # without --report the charts are not needed


def test_a_parquet_history_without_pyarrow_exits_2(tmp_path: Path) -> None:
    history = tmp_path / "h.parquet"
    history.write_bytes(b"PAR1")
    args = ("--history", history, "--label", "failed", "--time", "time")
    result = without(
        ["pyarrow"], "--workdir", tmp_path / "w", "backtest", "--policy", POLICY, *args
    )
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == missing_line(
        f"the Parquet history {history}", "parquet", "pyarrow"
    )


@pytest.mark.parametrize("hidden", ["sklearn", "lightgbm"])
def test_model_train_without_the_model_extra_exits_2(
    tmp_path: Path, history: Path, hidden: str
) -> None:
    registry = tmp_path / "models"
    args = ("--history", history, "--label", "failed", "--time", "time", "--out", registry)
    result = without([hidden], "model", "train", *args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == missing_line("cipipe model train", "model", hidden)
    assert not registry.exists()


def test_model_promote_and_list_on_the_core(
    tmp_path: Path,
    trained: TrainedModel,  # noqa: F811
) -> None:
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="test")
    db = tmp_path / "history.sqlite3"
    promoted = without(["lightgbm"], "model", "promote", trained.version,
                       "--registry", registry.root, "--db", db)  # fmt: skip
    assert promoted.exit_code == 2, promoted.stderr
    assert promoted.stderr.strip() == missing_line("cipipe model promote", "model", "lightgbm")
    assert registry.approved() is None and not db.exists()
    # Listing reads model.json and the approval log only: no extra needed.
    listed = without(EVERY_EXTRA, "model", "list", "--registry", registry.root)
    assert listed.exit_code == 0, listed.stderr
    assert trained.version in listed.stdout and "candidate" in listed.stdout


def test_a_postgresql_history_store_without_psycopg_exits_2(tmp_path: Path) -> None:
    url = "postgresql://cipipe@127.0.0.1:1/history"
    result = without(["psycopg"], "--workdir", tmp_path / "w", "audit", "verify", "--db", url)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip() == missing_line(
        "cipipe audit verify with a PostgreSQL history store", "postgres", "psycopg"
    )


# ---- decide-strategy: the heuristic needs no extra, an approved model needs 'model' ----


def _decide(tmp_path: Path, policy: Path, registry: Path, hidden: Sequence[str]) -> CliResult:
    work = tmp_path / "work"
    if not (work / "risk-inputs.json").exists():
        write_workdir(work, make_risk_inputs(), with_build_info_paths=["src/main.c"])
    context = tmp_path / "context.yaml"
    context.write_text(CONTEXT)
    return without(
        hidden, "--workdir", work, "decide-strategy", "--policy", policy, "--context", context,
        "--db", tmp_path / "history.sqlite3", "--registry", registry,
    )  # fmt: skip


def test_decide_strategy_with_the_heuristic_needs_no_extra(
    tmp_path: Path,
    trained: TrainedModel,  # noqa: F811
) -> None:
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="test")  # a candidate: the policy's model is not approved
    policy = policy_with_model(tmp_path, trained.version)
    result = _decide(tmp_path, policy, registry.root, EVERY_EXTRA)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "work" / "risk-decision.json").is_file()
    heuristic_only = policy_with_model(tmp_path / "no-model", None)
    none = _decide(tmp_path, heuristic_only, registry.root, EVERY_EXTRA)
    assert none.exit_code == 0, none.stderr


def test_decide_strategy_with_an_approved_model_needs_the_model_extra(
    cli: Cli,
    tmp_path: Path,
    trained: TrainedModel,  # noqa: F811
) -> None:
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="test")
    promote(cli, tmp_path, registry, trained.version)
    policy = policy_with_model(tmp_path, trained.version)
    result = _decide(tmp_path, policy, registry.root, ["lightgbm"])
    assert result.exit_code == 2, result.stderr
    command = f"cipipe decide-strategy with the approved model {trained.version}"
    assert result.stderr.strip() == missing_line(command, "model", "lightgbm")
    assert not (tmp_path / "work" / "risk-decision.json").exists()
