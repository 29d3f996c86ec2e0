"""cipipe model promote asks for a passing model compare before a model replaces the approved
one: missing, stale, failing, of another candidate or on another store is exit 1; --force
needs a reason (exit 2) and records it; the first model needs none. Every event verifies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cipipe.adapters.history.sqlalchemy_store import open_store
from tests.risk.model.comparestore import Compared, policy_folder, trained_pair
from tests.risk.model.storehistory import Cli


def _approvals(db: str, tmp_path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    with open_store(db, default_path=tmp_path / "unused.sqlite3") as store:
        return [(e.version, e.state, dict(e.record)) for e in store.model_approvals()]


def _compare(cli: Cli, pair: Compared, work: Path, policy: Path, *extra: str) -> int:
    store = ("--from-db", "--db", pair.db, "--registry", pair.registry, "--policy", policy)
    return cli(
        "--workdir", work, "model", "compare", pair.good, pair.weak, *store, *extra
    ).exit_code


def test_promote_needs_a_passing_fresh_comparison_on_the_same_store(
    cli: Cli, tmp_path: Path
) -> None:
    pair = trained_pair(cli, str(tmp_path / "history.sqlite3"), tmp_path)
    work, policy = tmp_path / "work", policy_folder(tmp_path)
    promote = ("model", "promote", pair.good, "--registry", pair.registry, "--db", pair.db)
    first = cli("model", "promote", pair.weak, "--registry", pair.registry, "--db", pair.db)
    assert first.exit_code == 0, first.stderr

    missing = cli("--workdir", work, *promote)
    assert missing.exit_code == 1
    assert "no model comparison at" in missing.stderr
    assert f"cipipe model compare {pair.good} {pair.weak} --from-db" in missing.stderr

    # A held --fail-if: exit 1 from compare, and promote refuses the comparison.
    assert _compare(cli, pair, work, policy, "--fail-if", "auc>0") == 1
    failing = cli("--workdir", work, *promote)
    assert failing.exit_code == 1 and "its --fail-if held: auc>0" in failing.stderr

    assert _compare(cli, pair, work, policy, "--fail-if", "auc_drop>0.05") == 0
    other = tmp_path / "other.sqlite3"
    elsewhere = cli("--workdir", work, *promote[:-1], other)
    assert elsewhere.exit_code == 1 and f"not the history store sqlite:///{other}" in (
        elsewhere.stderr
    )
    comparison = work / "model-compare.json"
    fresh = comparison.read_text()
    data = json.loads(fresh)
    comparison.write_text(json.dumps({**data, "created_at": "2026-01-01T00:00:00Z"}))
    stale = cli("--workdir", work, *promote)
    assert stale.exit_code == 1 and "longer ago than 7 days" in stale.stderr
    assert cli("--workdir", work, *promote, "--max-age", "3650d").exit_code == 0
    # the registry did not change on any refusal: the weak model was approved until now
    assert [(v, s) for v, s, _ in _approvals(pair.db, tmp_path)] == [
        (pair.weak, "approved"),
        (pair.good, "approved"),
        (pair.weak, "retired"),
    ]
    first_event, approved = _approvals(pair.db, tmp_path)[0][2], _approvals(pair.db, tmp_path)[1][2]
    assert first_event["first_model"] is True and first_event["comparison"] is None
    digest = hashlib.sha256(comparison.read_bytes()).hexdigest()
    assert approved["comparison"]["sha256"] == digest
    assert approved["comparison"]["current"] == pair.weak
    assert approved["comparison"]["fail_if"] == ["auc_drop>0.05"]
    assert "forced" not in approved
    verified = cli("audit", "verify", "--db", pair.db, "--no-anchors")
    assert verified.exit_code == 0, verified.stdout
    listed = cli("model", "list", "--registry", pair.registry, "--db", pair.db)
    assert listed.exit_code == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert lines[pair.good].endswith(f"[compared with {pair.weak} ({digest[:12]})]")
    assert lines[pair.weak].endswith("[first model, no comparison]")


def test_a_comparison_of_another_candidate_is_refused_and_force_needs_a_reason(
    cli: Cli, tmp_path: Path
) -> None:
    pair = trained_pair(cli, str(tmp_path / "history.sqlite3"), tmp_path)
    work = tmp_path / "work"
    registry = ("--registry", pair.registry, "--db", pair.db)
    assert cli("model", "promote", pair.good, *registry).exit_code == 0
    # good is approved; a comparison of good against weak does not let weak in
    assert _compare(cli, pair, work, policy_folder(tmp_path)) == 0
    promote = ("--workdir", work, "model", "promote", pair.weak, *registry)
    wrong = cli(*promote)
    assert wrong.exit_code == 1 and f"it compares {pair.good}, not {pair.weak}" in wrong.stderr

    for empty in ((), ("--reason", "  ")):
        no_reason = cli(*promote, "--force", *empty)
        assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    assert [s for _, s, _ in _approvals(pair.db, tmp_path)] == ["approved"]

    forced = cli(*promote, "--force", "--reason", "rollback of the model after INC-42")
    assert forced.exit_code == 0, forced.stderr
    events = _approvals(pair.db, tmp_path)
    assert [(v, s) for v, s, _ in events] == [
        (pair.good, "approved"),
        (pair.weak, "approved"),
        (pair.good, "retired"),
    ]
    record = events[1][2]
    assert record["forced"] is True and record["reason"] == "rollback of the model after INC-42"
    assert f"it compares {pair.good}, not {pair.weak}" in record["missing"]
    verified = cli("audit", "verify", "--db", pair.db, "--no-anchors")
    assert verified.exit_code == 0
    assert verified.stdout.splitlines()[-1].endswith("3 model approvals")
    listed = cli("model", "list", "--registry", pair.registry, "--db", pair.db).stdout
    (weak_line,) = [line for line in listed.splitlines() if line.startswith(pair.weak)]
    assert weak_line.endswith("[forced: rollback of the model after INC-42]")
