"""cipipe outcome record: the outcome chained and signed in the history store, and the audit
log's heads anchored beside the build when the build is in the artifact store."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.signing import AuditKeys
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.audit_anchor import AuditAnchor
from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from tests.conftest import CliResult
from tests.steps.decide_strategy.candidates import TOKEN, published
from tests.steps.decide_strategy.conftest import POLICIES, _no_outside_config
from tests.support.artifactoryserver import FakeArtifactory, serve

__all__ = ["_no_outside_config"]  # the autouse fixture: no agent's Slack, store or database

Cli = Callable[..., CliResult]
KEY = "outcome-audit-key-0123456789-abcdefgh"
KEY_ID = AuditKeys(KEY.encode()).signing_key_id
CONFIG = 'service: svc\nsupports: [linux]\nplatforms:\n  linux: {toolchain: {version: "12"}}\n'


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The key, a .cipipe.yaml for svc, and builds 7 and 8 of svc in the history store."""
    monkeypatch.setenv("CIPIPE_AUDIT_KEY", KEY)
    (tmp_path / ".cipipe.yaml").write_text(CONFIG)
    db = tmp_path / "history.sqlite3"
    with open_store(str(db), default_path=db) as store:
        for build in ("7", "8"):
            store.record_build(BuildRecord("svc", build, datetime.now(UTC), "success", "cipipe"))
    return db


def record(cli: Cli, tmp_path: Path, build: str, result: str, *args: str) -> CliResult:
    return cli(
        "--workdir", tmp_path / "work", "outcome", "record", "--repo", tmp_path,
        "--build", build, "--result", result, "--db", tmp_path / "history.sqlite3", *args,
    )  # fmt: skip


def verify(cli: Cli, tmp_path: Path, store_url: str) -> CliResult:
    db = tmp_path / "history.sqlite3"
    return cli("--workdir", tmp_path / "work", "audit", "verify", "--db", db, "--target", store_url)


def test_an_outcome_is_chained_signed_and_anchored_beside_its_build(
    cli: Cli, tmp_path: Path, setup: Path
) -> None:
    url = f"file://{tmp_path / 'store'}"
    published(cli, tmp_path / "work", "--target", url)
    result = record(cli, tmp_path, "7", "rollback", "--note", "error rate 4%", "--target", url)
    assert result.exit_code == 0, result.stderr
    store = LocalFolderStore(tmp_path / "store")
    stored = store.stat("svc/7/audit-anchor-outcome.json")
    assert stored is not None and stored.properties["audit.reason"] == ("outcome",)
    store.download("svc/7/audit-anchor-outcome.json", tmp_path / "a.json")
    anchor = read_contract(AuditAnchor, tmp_path / "a.json")
    assert (anchor.reason, anchor.build_id, anchor.key_id) == ("outcome", "7", KEY_ID)
    assert (anchor.heads.outcomes.seq, anchor.heads.outcomes.key_id) == (1, KEY_ID)

    verified = verify(cli, tmp_path, url)
    assert verified.exit_code == 0, verified.stdout
    assert verified.stdout.splitlines()[1] == (
        f"outcomes: 1 intact; 1 signed and checked (key {KEY_ID}); anchored up to 1 by "
        "svc/7/audit-anchor-outcome.json"
    )
    with sqlite3.connect(setup) as conn:  # the rollback never happened, says the insider
        conn.execute("DELETE FROM outcomes")
    conn.close()
    verified = verify(cli, tmp_path, url)
    assert verified.exit_code == 1
    assert verified.stdout.splitlines()[1] == (
        "outcomes chain broken at outcome 1 (an outcome of build 7 of svc): the anchor "
        "svc/7/audit-anchor-outcome.json says the log held 1 outcome, the database holds 0: "
        "the newest were removed [missing]"
    )


def test_an_outcome_of_an_unpublished_build_is_anchored_by_the_next_decision(
    cli: Cli, tmp_path: Path, setup: Path
) -> None:
    url = f"file://{tmp_path / 'store'}"
    result = record(cli, tmp_path, "8", "slo-breach", "--target", url)
    assert result.exit_code == 0, result.stderr
    assert "build 8 of svc is not in" in result.stderr
    assert not (tmp_path / "store" / "candidates" / "svc" / "8").exists()
    work = tmp_path / "work"
    published(cli, work, "--target", url)
    context = tmp_path / "context.yaml"
    context.write_text("deploy_at: 2026-03-04T10:00:00Z\n")
    decided = cli(
        "--workdir", work, "decide-strategy", "--policy", POLICIES, "--db", setup,
        "--context", context, "--target", url,
    )  # fmt: skip
    assert decided.exit_code == 0, decided.stderr
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert decision.audit is not None
    assert (decision.audit.heads.outcomes.seq, decision.audit.heads.decisions.seq) == (1, 1)
    assert verify(cli, tmp_path, url).stdout.splitlines()[1] == (
        f"outcomes: 1 intact; 1 signed and checked (key {KEY_ID}); anchored up to 1 by "
        "svc/7/audit-anchor.json"
    )


def test_an_unknown_build_is_exit_2_and_records_nothing(
    cli: Cli, tmp_path: Path, setup: Path
) -> None:
    result = record(cli, tmp_path, "99", "ok")
    assert result.exit_code == 2
    assert "unknown build '99' of service 'svc'" in result.stderr
    with sqlite3.connect(setup) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outcomes").fetchone() == (0,)
    conn.close()


@pytest.fixture
def fake() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def test_a_failing_store_is_exit_3_and_the_outcome_stands(
    cli: Cli,
    tmp_path: Path,
    setup: Path,
    fake: FakeArtifactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    published(cli, tmp_path / "work", "--target", fake.url)
    monkeypatch.setattr(random, "uniform", lambda a, b: 0.0)  # no backoff wait between retries
    fake.fail("deploy", *["500"] * 10)
    fake.fail("checksum_deploy", *["500"] * 10)
    result = record(cli, tmp_path, "7", "rollback", "--target", fake.url)
    assert result.exit_code == 3, result.stderr
    assert "the outcome of build 7 of svc is recorded (do not record it again)" in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    with sqlite3.connect(setup) as conn:
        assert conn.execute("SELECT result FROM outcomes").fetchall() == [("rollback",)]
    conn.close()
    fake.faults.clear()
    assert ("candidates", "svc/7/audit-anchor-outcome.json") not in fake.items
