"""Only the history package knows that the store is SQL: every other module reads builds,
decisions, outcomes and model approvals through ``HistoryStore`` (interface.py), so another
backend is one new file beside ``sqlalchemy_store.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import cipipe

SRC = Path(cipipe.__file__).parent
HISTORY = SRC / "adapters" / "history"
# Modules that only this package may import, and names only it may use.
PRIVATE = ("sqlalchemy", "cipipe.adapters.history.schema", "cipipe.adapters.history.reads")
PRIVATE_NAMES = {"SqlAlchemyHistoryStore", "engine_of"}
# The one place that opens the store by URL; the error mapping of `model promote`, which
# catches the database's own errors (left to the exit codes' work on issue 18).
ALLOWED = {
    ("cli/inputs.py", "open_store"),
    ("cli/commands/model.py", "sqlalchemy.exc"),
}


def reaches_past(path: Path) -> list[str]:
    """What ``path`` imports from behind the history store's interface."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith(PRIVATE)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PRIVATE):
                found.append(node.module)
            found += [a.name for a in node.names if a.name in PRIVATE_NAMES]
    return found


def test_no_module_outside_the_history_package_reaches_past_its_interface() -> None:
    offenders = [
        f"{where}: {name}"
        for path in sorted(SRC.rglob("*.py"))
        if not path.is_relative_to(HISTORY)
        for where in [path.relative_to(SRC).as_posix()]
        for name in reaches_past(path)
        if (where, name) not in ALLOWED
    ]
    assert offenders == []


def test_the_check_sees_each_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "step.py"
    module.write_text(
        "import sqlalchemy\n"
        "from sqlalchemy import select\n"
        "from cipipe.adapters.history.schema import builds\n"
        "from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore\n"
        "from cipipe.adapters.history.interface import HistoryStore\n",
        encoding="utf-8",
    )
    assert reaches_past(module) == [
        "sqlalchemy",
        "sqlalchemy",
        "cipipe.adapters.history.schema",
        "SqlAlchemyHistoryStore",
    ]
