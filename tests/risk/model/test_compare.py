"""cipipe model compare: a candidate against the current model on the store's newest labelled
builds, on SQLite and PostgreSQL; identical models; the window; every exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.risk.model.comparestore import policy_folder, trained_pair
from tests.risk.model.storehistory import Cli
from tests.support.historydb import Backend


def _read(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "model-compare.json").read_text())
    return data


def test_a_model_trained_on_the_outcomes_beats_a_weak_one(
    cli: Cli, backend: Backend, tmp_path: Path
) -> None:
    pair = trained_pair(cli, backend.url, tmp_path)
    policy = policy_folder(tmp_path)
    work = tmp_path / "work"
    common = ("--from-db", "--db", backend.url, "--registry", pair.registry, "--policy", policy)
    result = cli("--workdir", work, "model", "compare", pair.good, pair.weak, *common)
    assert result.exit_code == 0, result.stderr
    found = _read(work)
    assert found["schema"] == "cipipe.model-compare/1"
    assert (found["candidate"]["version"], found["current"]["version"]) == (pair.good, pair.weak)
    assert found["current_from"] == "argument" and found["from_db"] is True
    assert found["rows"] == pair.filled.labelled and found["unlabelled_excluded"] == 8
    before, after = found["overall"]["quality_before"], found["overall"]["quality_after"]
    assert after["auc"] > before["auc"] + 0.1
    assert after["brier"] < before["brier"]
    assert sum(m["count"] for m in found["moves"]) == found["changed_decisions"] > 0
    assert len(found["largest_moves"]) == min(20, found["changed_decisions"])
    assert list(found["by_service"]) == ["orders"] and found["not_in_history"] == ["platform"]
    assert found["by_service"]["orders"]["quality_after"] == after
    markdown = (work / "model-compare.md").read_text()
    assert markdown.startswith(f"### Model compare: `{pair.weak}` → `{pair.good}`")
    assert f"{found['changed_decisions']} of {found['rows']} decisions change" in markdown
    assert cli("validate", work / "model-compare.json").exit_code == 0

    # The other way round the AUC drops, and a gate on it holds: exit 1 after both files.
    worse = cli("--workdir", work, "model", "compare", pair.weak, pair.good, *common,
                "--fail-if", "auc_drop>0.05", "--fail-if", "fpr>0.99")  # fmt: skip
    assert worse.exit_code == 1
    assert "model compare: --fail-if held: auc_drop>0.05 (" in worse.stderr
    assert "fpr>0.99" not in worse.stderr
    held = _read(work)["fail_if"]
    assert [(c["expression"], c["held"]) for c in held] == [
        ("auc_drop>0.05", True),
        ("fpr>0.99", False),
    ]
    assert held[0]["value"] > 0.05
    assert "**--fail-if held:** `auc_drop>0.05`" in (work / "model-compare.md").read_text()


def test_identical_models_move_nothing_and_score_alike(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "history.sqlite3")
    pair = trained_pair(cli, db, tmp_path)
    work = tmp_path / "work"
    result = cli("--workdir", work, "model", "compare", pair.good, pair.good, "--from-db",
                 "--db", db, "--registry", pair.registry, "--policy", policy_folder(tmp_path),
                 "--fail-if", "changed_decisions>0", "--fail-if", "auc_drop!=0")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    found = _read(work)
    assert found["changed_decisions"] == 0 and found["moves"] == [] == found["largest_moves"]
    overall = found["overall"]
    assert overall["before"] == overall["after"]
    assert overall["quality_before"] == overall["quality_after"]
    assert "No decision changes." in (work / "model-compare.md").read_text()


def test_last_and_since_keep_the_newest_builds(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "history.sqlite3")
    pair = trained_pair(cli, db, tmp_path)
    work = tmp_path / "work"
    common = ("model", "compare", pair.good, pair.weak, "--from-db", "--db", db,
              "--registry", pair.registry, "--policy", policy_folder(tmp_path))  # fmt: skip
    assert cli("--workdir", work, *common).exit_code == 0
    everything = _read(work)
    assert cli("--workdir", work, *common, "--last", "40").exit_code == 0
    newest = _read(work)
    assert newest["rows"] == 40 and newest["window"]["last"] == 40
    assert newest["window"]["newest"] == everything["window"]["newest"]
    assert newest["window"]["first"] > everything["window"]["first"]
    # Builds start seven hours apart from 2026-01-05 06:00; 2026-02-01 keeps the later ones.
    assert cli("--workdir", work, *common, "--since", "2026-02-01").exit_code == 0
    since = _read(work)
    assert since["window"]["first"] >= "2026-02-01T00:00:00Z"
    assert 0 < since["rows"] < everything["rows"]
    assert since["window"]["since"] == "2026-02-01T00:00:00+00:00"


def test_current_defaults_to_the_approved_model_the_policy_references(
    cli: Cli, tmp_path: Path
) -> None:
    db = str(tmp_path / "history.sqlite3")
    pair = trained_pair(cli, db, tmp_path)
    registry = ("--registry", pair.registry)
    work = tmp_path / "work"
    none = cli("--workdir", work, "model", "compare", pair.good, "--from-db", "--db", db,
               *registry, "--policy", policy_folder(tmp_path / "none"))  # fmt: skip
    assert none.exit_code == 2 and "references no model" in none.stderr
    policy = policy_folder(tmp_path / "weak", version=pair.weak)
    args = ("model", "compare", pair.good, "--from-db", "--db", db, *registry, "--policy", policy)
    unapproved = cli("--workdir", work, *args)
    assert unapproved.exit_code == 2 and f"model {pair.weak} is candidate" in unapproved.stderr
    # The first model ever needs no comparison to be approved.
    assert cli("model", "promote", pair.weak, *registry, "--db", db).exit_code == 0
    result = cli("--workdir", work, *args)
    assert result.exit_code == 0, result.stderr
    found = _read(work)
    assert found["current"]["version"] == pair.weak and found["current_from"] == "policy"
    assert found["current"]["state"] == "approved"


def test_bad_input_is_exit_2_with_nothing_written(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "history.sqlite3")
    pair = trained_pair(cli, db, tmp_path)
    work = tmp_path / "work"
    base = ("--workdir", work, "model", "compare")
    store = ("--from-db", "--db", db, "--registry", pair.registry)
    cases = {
        "m-20260101T000000Z-00000000 is not in the registry": (
            *base, "m-20260101T000000Z-00000000", pair.weak, *store),
        "--fail-if": (*base, pair.good, pair.weak, *store, "--fail-if", "auc_dorp>0.1"),
        "either --history FILE or --from-db": (
            *base, pair.good, pair.weak, "--registry", pair.registry),
        "--label": (*base, pair.good, pair.weak, "--registry", pair.registry,
                    "--history", tmp_path / "h.csv"),
    }  # fmt: skip
    for expected, argv in cases.items():
        result = cli(*argv)
        assert result.exit_code == 2, (expected, result.stderr)
        assert expected in result.stderr
        assert not (work / "model-compare.json").exists()


def test_help_names_every_fail_if_metric(cli: Cli) -> None:
    from cipipe.risk.model.compare_gate import METRICS

    shown = cli("model", "compare", "--help")
    assert shown.exit_code == 0
    text = shown.stdout
    for mark in ",():":
        text = text.replace(mark, " ")
    words = set(text.split())
    assert set(METRICS) <= words, set(METRICS) - words
