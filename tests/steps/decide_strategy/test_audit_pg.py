"""decide-strategy appends to the audit log in a real PostgreSQL (tests/support/pgserver.py; skipped
when PostgreSQL is not installed, like the other PostgreSQL tests)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_postgresql.janitor import DatabaseJanitor

from cipipe.contracts.risk_decision import RiskDecision
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.conftest import Decide
from tests.support.pgserver import PgServer


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    dbname = "cipipe_decide_audit"
    janitor = DatabaseJanitor(
        user=pg_server.user,
        host=pg_server.host,
        port=pg_server.port,
        dbname=dbname,
        password=pg_server.password,
    )
    with janitor:
        yield pg_server.url(dbname)


def test_decisions_chain_in_postgresql(
    cli: Callable[..., CliResult], decide: Decide, tmp_path: Path, pg_url: str
) -> None:
    decisions = []
    for build in ("7", "8", "9"):
        work = write_workdir(tmp_path / f"w{build}", make_risk_inputs(build_id=build)).path
        result = decide(work, "--db", pg_url)
        assert result.exit_code == 0, result.stderr
        decisions.append(json.loads((work / RiskDecision.FILE_NAME).read_text()))
    again = decide(tmp_path / "w8", "--db", pg_url)  # a rerun is a new record, not a rewrite
    assert again.exit_code == 0, again.stderr
    verify = cli("--workdir", tmp_path / "w7", "audit", "verify", "--db", pg_url)
    assert verify.exit_code == 0, verify.stderr
    assert verify.stdout.splitlines()[-1] == (
        "audit log intact: 4 decisions, 0 outcomes, 0 model approvals"
    )
    shown = cli("--workdir", tmp_path / "w7", "audit", "show", "--build", "9", "--db", pg_url)
    (line,) = shown.stdout.splitlines()
    stored = json.loads(line)
    assert stored["decision"]["decision"] == {**decisions[2], "audit": None}
    assert decisions[2]["audit"]["heads"]["decisions"] == {
        "seq": 3,
        "hash": stored["hash"],
        "key_id": None,
    }
    eight = cli("--workdir", tmp_path / "w7", "audit", "show", "--build", "8", "--db", pg_url)
    assert len(eight.stdout.splitlines()) == 2
    assert "pg-test-Secret" not in verify.stderr + shown.stderr + again.stderr
