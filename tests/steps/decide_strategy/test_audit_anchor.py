"""The audit log and its anchors, end to end: decide-strategy signs its record and anchors the
log's heads beside the candidate and in risk-decision.json; `audit verify` compares them and
names the first missing or forged record, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, update

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.adapters.history.schema import decisions as decisions_table
from cipipe.adapters.history.signing import AuditKeys
from cipipe.contracts.audit_anchor import AuditAnchor
from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.candidates import published
from tests.steps.decide_strategy.conftest import Decide
from tests.support.auditchains import row_hash
from tests.support.historydb import Backend, run_sql

Cli = Callable[..., CliResult]
KEY = "audit-key-0123456789-abcdefghij-XYZ"
KEY_ID = AuditKeys(KEY.encode()).signing_key_id


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'store'}"


def verify(cli: Cli, tmp_path: Path, backend: Backend, store_url: str, *args: str) -> CliResult:
    work = tmp_path / "work"
    return cli(
        "--workdir", work, "audit", "verify", "--db", backend.url, "--target", store_url, *args
    )  # fmt: skip


def three_decisions(
    cli: Cli, decide: Decide, tmp_path: Path, backend: Backend, store_url: str
) -> None:
    """Builds 8 and 9 decided without being published (no anchor in the store), then build 7
    published and decided: its anchor holds the decisions chain at 3."""
    for build in ("8", "9"):
        work = write_workdir(tmp_path / f"w{build}", make_risk_inputs(build_id=build)).path
        assert decide(work, "--db", backend.url).exit_code == 0
    work = tmp_path / "work"
    published(cli, work, "--target", store_url)
    result = decide(work, "--db", backend.url, "--target", store_url)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIPIPE_AUDIT_KEY", KEY)


@pytest.mark.usefixtures("keyed")
def test_a_decision_is_signed_and_anchored_beside_its_candidate(
    cli: Cli, decide: Decide, tmp_path: Path, store_url: str
) -> None:
    backend = Backend.sqlite(tmp_path / "h.sqlite3")
    work = tmp_path / "work"
    published(cli, work, "--target", store_url)
    assert decide(work, "--db", backend.url, "--target", store_url).exit_code == 0
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    anchor = decision.audit
    assert anchor is not None
    assert (anchor.reason, anchor.service, anchor.build_id) == ("decision", "svc", "7")
    assert anchor.heads.decisions.seq == 1 and anchor.heads.decisions.key_id == KEY_ID
    assert anchor.key_id == KEY_ID and anchor.key_id is not None and anchor.signature is not None
    assert anchor.anchored_at == decision.decided_at
    keys = AuditKeys(KEY.encode())
    assert keys.check("anchor", anchor.signed_payload(), anchor.key_id, anchor.signature) == (
        "valid"
    )

    store = LocalFolderStore(tmp_path / "store")
    stored = store.stat("svc/7/audit-anchor.json")
    assert stored is not None
    assert stored.properties["audit.anchor"] == ("1",)
    assert stored.properties["audit.reason"] == ("decision",)
    assert "state" not in stored.properties  # evidence about the log, not a candidate file
    store.download("svc/7/audit-anchor.json", tmp_path / "a.json")
    assert read_contract(AuditAnchor, tmp_path / "a.json") == anchor

    result = verify(cli, tmp_path, backend, store_url)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"decisions: 1 intact; 1 signed and checked (key {KEY_ID}); anchored up to 1 by "
        "svc/7/audit-anchor.json",
        "outcomes: 0 intact",
        "model approvals: 0 intact",
        f"anchors: 1 in {store.location}",
        "audit log intact: 1 decision, 0 outcomes, 0 model approvals",
    ]


def _delete_newest(backend: Backend) -> None:
    run_sql(backend, "DELETE FROM decisions WHERE id = (SELECT MAX(id) FROM decisions)")


def _append_forged(backend: Backend) -> None:
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            last = conn.execute(
                select(decisions_table).order_by(decisions_table.c.id.desc()).limit(1)
            ).one()
            row = {
                **last._asdict(),
                "build_id": "99",
                "strategy": "big-bang",
                "prev_hash": last.hash,
                "key_id": None,
                "signature": None,
            }
            del row["id"]
            row["hash"] = row_hash(row)
            conn.execute(insert(decisions_table).values(row))
    finally:
        engine.dispose()


def _recompute_all(backend: Backend) -> None:
    engine = create_engine(backend.raw_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(select(decisions_table).order_by(decisions_table.c.id)).all()
            prev = "0" * 64
            for row in rows:
                values = {**row._asdict(), "prev_hash": prev, "strategy": "big-bang"}
                values["hash"] = row_hash(values)
                conn.execute(
                    update(decisions_table)
                    .where(decisions_table.c.id == row.id)
                    .values(strategy="big-bang", prev_hash=prev, hash=values["hash"])
                )
                prev = str(values["hash"])
    finally:
        engine.dispose()


def _edit_second(backend: Backend) -> None:
    run_sql(backend, "UPDATE decisions SET strategy = 'big-bang' WHERE build_id = '9'")


ATTACKS = {
    "delete the newest": (
        _delete_newest,
        "decisions chain broken at decision 3 (build 7 of svc): the anchor "
        "svc/7/audit-anchor.json says the log held 3 decisions, the database holds 2: the "
        "newest were removed [missing]",
    ),
    "append a forged record": (
        _append_forged,
        "decisions chain broken at decision 4 (build 99 of svc): unsigned, but records before "
        "it are signed: written without the key, or its signature removed [forged]",
    ),
    "recompute the whole chain": (
        _recompute_all,
        f"decisions chain broken at decision 1 (build 8 of svc): its signature (key {KEY_ID}) "
        "does not match: written, or rewritten from some record on, without the key [forged]",
    ),
    "edit a record": (
        _edit_second,
        "decisions chain broken at decision 2 (build 9 of svc): its contents no longer match "
        "its hash [changed]",
    ),
}


@pytest.mark.usefixtures("keyed")
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_audit_verify_names_the_first_missing_or_forged_record(
    cli: Cli, decide: Decide, tmp_path: Path, backend: Backend, store_url: str, attack: str
) -> None:
    three_decisions(cli, decide, tmp_path, backend, store_url)
    assert verify(cli, tmp_path, backend, store_url).exit_code == 0
    tamper, line = ATTACKS[attack]
    tamper(backend)
    result = verify(cli, tmp_path, backend, store_url)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == line
    assert not any(x.startswith("audit log intact") for x in result.stdout.splitlines())


@pytest.mark.usefixtures("keyed")
def test_a_recomputed_chain_is_caught_by_the_anchor_without_the_key(
    cli: Cli,
    decide: Decide,
    tmp_path: Path,
    backend: Backend,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    three_decisions(cli, decide, tmp_path, backend, store_url)
    _recompute_all(backend)
    monkeypatch.delenv("CIPIPE_AUDIT_KEY")  # a laptop: signatures cannot be checked
    result = verify(cli, tmp_path, backend, store_url)
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        "decisions chain broken at decision 3 (build 7 of svc): the anchor "
        "svc/7/audit-anchor.json says its hash was "
    )
    assert first.endswith("the chain was rewritten at or before it [rewritten]")
    assert "1 signed but not checked: CIPIPE_AUDIT_KEY is not set" in result.stdout


@pytest.mark.usefixtures("keyed")
def test_an_anchor_edited_in_the_store_is_refused(
    cli: Cli, decide: Decide, tmp_path: Path, store_url: str
) -> None:
    backend = Backend.sqlite(tmp_path / "h.sqlite3")
    three_decisions(cli, decide, tmp_path, backend, store_url)
    path = tmp_path / "store" / "candidates" / "svc" / "7" / "audit-anchor.json"
    data = json.loads(path.read_text())
    data["heads"]["decisions"]["seq"] = 9  # a false alarm, planted without the key
    path.unlink()  # the blob is read-only and hard-linked: replace, never edit in place
    path.write_text(json.dumps(data))
    result = verify(cli, tmp_path, backend, store_url)
    assert result.exit_code == 1
    assert (
        f"anchor svc/7/audit-anchor.json is refused: its signature (key {KEY_ID}) does not "
        "match: edited without the key [forged]"
    ) in result.stdout.splitlines()
    # Its claims are not used: the decisions themselves are fine.
    assert result.stdout.splitlines()[0].startswith("decisions: 3 intact; 3 signed and checked")


def test_unsigned_on_a_laptop_said_plainly_and_refused_when_required(
    cli: Cli,
    decide: Decide,
    tmp_path: Path,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = Backend.sqlite(tmp_path / "h.sqlite3")
    work = tmp_path / "work"
    published(cli, work, "--target", store_url)
    assert decide(work, "--db", backend.url, "--target", store_url).exit_code == 0
    decision = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    assert decision.audit is not None and decision.audit.signature is None
    result = verify(cli, tmp_path, backend, store_url)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "decisions: 1 intact; 1 unsigned; anchored up to 1 by svc/7/audit-anchor.json"
    )
    assert ", 1 unsigned" in result.stdout.splitlines()[3]

    required = verify(cli, tmp_path, backend, store_url, "--require-signed")
    assert required.exit_code == 2
    assert required.stderr.strip() == (
        "cipipe: error: CIPIPE_AUDIT_KEY: no audit key is set, and --require-signed requires "
        "checking every signature (expected the audit key in the environment (at least 32 "
        "characters, e.g. the output of `openssl rand -hex 32`))"
    )
    monkeypatch.setenv("CIPIPE_AUDIT_KEY", KEY)
    monkeypatch.setenv("CIPIPE_AUDIT_REQUIRE_SIGNATURE", "1")
    required = verify(cli, tmp_path, backend, store_url)
    assert required.exit_code == 1
    lines = required.stdout.splitlines()
    assert lines[0] == (
        "decisions chain broken at decision 1 (build 7 of svc): no record of the chain is "
        "signed, and signatures are required (were they removed?) [unsigned]"
    )
    assert lines[3].endswith(", 1 unsigned and not used (signatures are required)")

    # Signing begins: the new, signed record vouches for the unsigned one before it.
    assert decide(work, "--db", backend.url, "--target", store_url).exit_code == 0
    required = verify(cli, tmp_path, backend, store_url)
    assert required.exit_code == 0, required.stdout
    assert required.stdout.splitlines()[0] == (
        f"decisions: 2 intact; 1 signed and checked (key {KEY_ID}); 1 unsigned from before "
        "signing began; anchored up to 2 by svc/7/audit-anchor.json"
    )


def test_a_required_signature_without_a_key_writes_nothing(
    cli: Cli, decide: Decide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_AUDIT_REQUIRE_SIGNATURE", "1")
    work = write_workdir(tmp_path / "work", make_risk_inputs()).path
    before = sorted(p.name for p in work.iterdir())
    history_file = tmp_path / "h.sqlite3"
    result = decide(work, "--db", history_file)
    assert result.exit_code == 2
    assert "CIPIPE_AUDIT_REQUIRE_SIGNATURE=1 requires signed records" in result.stderr
    assert sorted(p.name for p in work.iterdir()) == before
    assert not history_file.exists()


@pytest.mark.usefixtures("keyed")
def test_the_key_never_leaves_the_environment(
    cli: Cli, decide: Decide, tmp_path: Path, store_url: str
) -> None:
    backend = Backend.sqlite(tmp_path / "h.sqlite3")
    work = tmp_path / "work"
    published(cli, work, "--target", store_url)
    printed = []
    for args in (
        ("-v", "--log-format", "json"),
        ("-v", "--debug"),
    ):
        result = cli(
            *args,
            "--workdir",
            work,
            "decide-strategy",
            "--policy",
            tmp_path / "nope",
            "--db",
            backend.url,
        )  # fmt: skip  (an error, with --debug's traceback)
        assert result.exit_code == 2
        printed.append(result.stdout + result.stderr)
        result = decide(work, "--db", backend.url, "--target", store_url)
        printed.append(result.stdout + result.stderr)
    for command in (("audit", "verify", "--target", store_url), ("audit", "show", "--build", "7")):
        result = cli("-v", "--workdir", work, *command, "--db", backend.url)
        assert result.exit_code == 0
        printed.append(result.stdout + result.stderr)
    assert all(KEY not in text for text in printed)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 20  # the work folder, the store and its sidecars, the database
    assert [p for p in written if KEY.encode() in p.read_bytes()] == []


def test_build_info_never_records_the_key() -> None:
    from cipipe.logs import SecretMasker
    from cipipe.steps.build_info.jfrog import allowed_env

    env = {"CIPIPE_AUDIT_KEY": KEY, "CIPIPE_AUDIT_PREVIOUS_KEY": KEY[::-1], "BUILD_NUMBER": "7"}
    recorded = allowed_env(env, SecretMasker(env))
    assert recorded == {"buildInfo.env.BUILD_NUMBER": "7"}
    assert SecretMasker(env).mask(f"a {KEY} b {KEY[::-1]}") == "a **** b ****"


def test_an_anchor_names_the_record_it_was_made_for(tmp_path: Path) -> None:
    """Another agent's decision may land between a decision and its anchor: the anchor still
    pins this build's record, so `audit verify` names the right build."""
    from datetime import UTC, datetime

    from cipipe.adapters.history.audit import append_decision
    from cipipe.adapters.history.audit_records import DecisionRecord
    from cipipe.adapters.history.sqlalchemy_store import open_store
    from cipipe.steps.audit.anchor import seal

    def record(build: str) -> DecisionRecord:
        at = datetime(2026, 3, 4, 10, tzinfo=UTC)
        return DecisionRecord("svc", build, at, "ci", "shadow", "p", None, 1.0, "canary", {})

    with open_store(str(tmp_path / "h.backend"), default_path=tmp_path / "h.backend") as store:
        mine = append_decision(store, record("7"))
        theirs = append_decision(store, record("8"))
        anchor = seal(store, "decision", "svc", "7", datetime.now(UTC), mine)
    assert (anchor.heads.decisions.seq, anchor.heads.decisions.hash) == (1, mine.hash)
    assert theirs.seq == 2


@pytest.mark.usefixtures("keyed")
@pytest.mark.parametrize("via", ["rest", "jf"])
def test_anchors_are_found_in_artifactory_and_through_jf(
    cli: Cli, decide: Decide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    """The same search `audit verify` makes of the local folder, over Artifactory's AQL (the
    loopback fake) and through `jf rt search` (the fake jf)."""
    from tests.steps.decide_strategy.candidates import TOKEN
    from tests.support.artifactoryserver import FakeArtifactory, serve
    from tests.support.jfcli import FAKE_JF

    backend = Backend.sqlite(tmp_path / "h.sqlite3")
    work = tmp_path / "work"
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as fake:
        if via == "jf":
            monkeypatch.setenv("FAKE_JF_LOG", str(tmp_path / "jf.jsonl"))
            monkeypatch.setenv("FAKE_JF_ROOT", str(tmp_path / "server"))
            monkeypatch.setenv("JFROG_CLI_ACCESS_TOKEN", TOKEN)
            monkeypatch.delenv("FAKE_JF_FAIL", raising=False)
            monkeypatch.setenv("PATH", f"{FAKE_JF.parent}:{os.environ['PATH']}")
            store_args: tuple[str, ...] = ("--via", "jf")
        else:
            monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
            store_args = ("--target", fake.url)
        published(cli, work, *store_args)
        assert decide(work, "--db", backend.url, *store_args).exit_code == 0
        rerun = decide(work, "--db", backend.url, *store_args)  # the newer anchor replaces it
        assert rerun.exit_code == 0, rerun.stderr
        verified = cli("--workdir", work, "audit", "verify", "--db", backend.url, *store_args)
        assert verified.exit_code == 0, verified.stdout + verified.stderr
        assert verified.stdout.splitlines()[0] == (
            f"decisions: 2 intact; 2 signed and checked (key {KEY_ID}); anchored up to 2 by "
            "svc/7/audit-anchor.json"
        )
        _delete_newest(backend)
        verified = cli("--workdir", work, "audit", "verify", "--db", backend.url, *store_args)
    assert verified.exit_code == 1
    assert verified.stdout.splitlines()[0].startswith(
        "decisions chain broken at decision 2 (build 7 of svc): the anchor "
        "svc/7/audit-anchor.json says the log held 2 decisions, the database holds 1"
    )
