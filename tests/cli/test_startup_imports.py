"""What a command imports is what it costs at start-up: each command loads the contracts, steps
and database code it uses, and no other (bench/bench_decide.py and bench_cli.py time it)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.imports import modules_after
from tests.risk.riskinputs import write_workdir
from tests.steps.gate.reports import write_reports

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_decide_strategy_on_sqlite_loads_no_postgresql_dialect_and_no_other_steps(
    tmp_path: Path,
) -> None:
    work = write_workdir(tmp_path / "work", with_build_info_paths=["src/a.c"]).path
    modules = modules_after(
        tmp_path,
        *("--workdir", str(work), "decide-strategy", "--policy", str(REPO_ROOT / "policies")),
        *("--db", str(tmp_path / "history.sqlite3")),
    )
    assert "sqlalchemy.dialects.sqlite" in modules  # it did open the SQLite store
    unwanted = {
        "sqlalchemy.dialects.postgresql",
        "cipipe.steps.publish.upload",  # decide reads the completion marker only
        "cipipe.contracts.matrix",
        "cipipe.contracts.repo_config",
    }
    assert modules & unwanted == set()


def test_gate_loads_no_database_code(tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work)
    modules = modules_after(tmp_path, "--workdir", str(work), "gate", "--repo", str(repo))
    assert "cipipe.contracts.gate" in modules
    assert {m for m in modules if m.startswith(("sqlalchemy", "cipipe.adapters.history"))} == set()


def test_validate_loads_only_the_model_the_file_names(tmp_path: Path) -> None:
    from tests.contracts.samples import sample_contracts

    source = next(c for c in sample_contracts() if c.SCHEMA_NAME == "source")
    path = tmp_path / "source.json"
    path.write_text(source.to_json())
    modules = modules_after(tmp_path, "validate", str(path))
    contracts = {m for m in modules if m.startswith("cipipe.contracts.")}
    assert "cipipe.contracts.source" in contracts
    assert contracts <= {
        "cipipe.contracts.source",
        "cipipe.contracts.base",
        "cipipe.contracts.loading",
        "cipipe.contracts.limits",
        "cipipe.contracts.registry",
        "cipipe.contracts.numbers",
        "cipipe.contracts.jfrog_build_info",  # its FILE_NAME: JFrog's document is found by name
    }
