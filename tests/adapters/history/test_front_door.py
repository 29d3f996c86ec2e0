"""Only the history package knows that the store is SQL: every other module reads builds,
decisions, outcomes and model approvals, and appends to and verifies the chained logs, through
``HistoryStore`` (interface.py, with the records of audit_records.py), so another backend is
one new file beside ``sqlalchemy_store.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import cipipe

SRC = Path(cipipe.__file__).parent
HISTORY = SRC / "adapters" / "history"
# Modules that only this package may import, and names only it may use.
# The SQL store's schema and reads, and the chained logs' SQL implementation: the hash
# chain, the decisions', outcomes' and model approvals' appends, and their verification.
PRIVATE = (
    "sqlalchemy",
    *(
        f"cipipe.adapters.history.{name}"
        for name in (
            "schema",
            "reads",
            "chain",
            "audit",
            "outcome_audit",
            "model_audit",
            "verify",
        )
    ),
)
PRIVATE_NAMES = {"SqlAlchemyHistoryStore", "open_store", "SqlStore"}
# The one place that opens the store by URL.
ALLOWED = {
    ("cli/inputs.py", "open_store"),
}


def private(module: str) -> bool:
    """``module`` is one of ``PRIVATE`` or inside one (``audit_records`` is not ``audit``)."""
    return any(module == name or module.startswith(f"{name}.") for name in PRIVATE)


def reaches_past(path: Path) -> list[str]:
    """What ``path`` imports from behind the history store's interface."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if private(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if private(node.module):
                found.append(node.module)
            else:  # `from cipipe.adapters.history import audit` imports the module by name
                found += [
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if private(f"{node.module}.{a.name}")
                ]
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


def test_the_check_sees_the_chained_logs_implementation(tmp_path: Path) -> None:
    module = tmp_path / "step.py"
    module.write_text(
        "from cipipe.adapters.history import audit\n"
        "import cipipe.adapters.history.verify\n"
        "from cipipe.adapters.history.chain import SqlStore, row_hash\n"
        "from cipipe.adapters.history.model_audit import append_model_event\n"
        "from cipipe.adapters.history.outcome_audit import append_outcome\n"
        "from cipipe.adapters.history.audit_records import Head, StoredDecision\n"
        "from cipipe.adapters.history.signing import AuditKeys\n",
        encoding="utf-8",
    )
    assert reaches_past(module) == [
        "cipipe.adapters.history.audit",
        "cipipe.adapters.history.verify",
        "cipipe.adapters.history.chain",
        "SqlStore",
        "cipipe.adapters.history.model_audit",
        "cipipe.adapters.history.outcome_audit",
    ]


def test_the_logs_callers_name_are_the_store_s_chains() -> None:
    """``audit_records.CHAIN_NAMES`` (what anchors and ``verify_chains`` name) are the chained
    tables' names, in the order ``audit verify`` walks and prints them."""
    from cipipe.adapters.history.audit_records import CHAIN_NAMES
    from cipipe.adapters.history.verify import CHAINS

    assert tuple(chain.name for chain in CHAINS) == CHAIN_NAMES
