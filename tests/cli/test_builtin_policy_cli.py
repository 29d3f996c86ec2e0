"""Every command that loads a policy, run in a folder with no policies/ and no CIPIPE_POLICY:
it uses the bundle built into cipipe, says so on one line, and records policy_source builtin
with the version id and the cipipe version."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cipipe import __version__
from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.risk.policy.builtin import load_builtin_bundle
from tests.conftest import CliResult
from tests.risk.histories import generated_rows, write_csv
from tests.risk.riskinputs import write_workdir

Cli = Callable[..., CliResult]
SAID = "using the policy built into cipipe"


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A service repository as it is: no policies/ here, no CIPIPE_POLICY."""
    folder = tmp_path / "service"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for var in ("CIPIPE_POLICY", "CIPIPE_POLICY_PIN", "CIPIPE_DB", "CIPIPE_ARTIFACTORY_URL"):
        monkeypatch.delenv(var, raising=False)
    for var in ("SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return folder


def _said_once(result: CliResult) -> None:
    assert result.stderr.count(SAID) == 1, result.stderr
    assert __version__ in result.stderr


def test_decide_strategy_records_the_builtin_policy(cli: Cli, bare: Path) -> None:
    work = bare / "out"
    write_workdir(work)
    result = cli("--workdir", work, "decide-strategy")
    assert result.exit_code == 0, result.stderr
    _said_once(result)
    decision = json.loads((work / "risk-decision.json").read_text())
    version = load_builtin_bundle().version_id
    assert decision["policy_version"] == version
    assert decision["policy"] == {
        "version": version,
        "git_commit": None,
        "source": "builtin",
        "policy_source": "builtin",
        "cipipe_version": __version__,
    }
    assert cli("validate", work / "risk-decision.json").exit_code == 0


def test_decide_strategy_with_a_folder_records_folder(cli: Cli, bare: Path) -> None:
    assert cli("policy", "init").exit_code == 0
    work = bare / "out"
    write_workdir(work)
    result = cli("--workdir", work, "decide-strategy")
    assert result.exit_code == 0, result.stderr
    assert SAID not in result.stderr
    policy = json.loads((work / "risk-decision.json").read_text())["policy"]
    assert (policy["source"], policy["policy_source"]) == ("policies", "folder")


def test_backtest_records_the_builtin_policy(cli: Cli, bare: Path) -> None:
    history = write_csv(bare / "history.csv", generated_rows(300))
    work = bare / "out"
    args = ("--history", history, "--label", "failed", "--time", "time")
    result = cli("--workdir", work, "backtest", *args)
    assert result.exit_code == 0, result.stderr
    _said_once(result)
    data = json.loads((work / "backtest.json").read_text())
    assert data["policy_version"] == load_builtin_bundle().version_id
    assert (data["policy_source"], data["cipipe_version"]) == ("builtin", __version__)


def test_shadow_report_uses_the_builtin_policy(cli: Cli, bare: Path) -> None:
    db = bare / "history.sqlite3"
    result = cli("--workdir", bare / "out", "shadow", "report", "--db", db, "--json")
    assert result.exit_code == 0, result.stderr
    _said_once(result)
    report = json.loads(result.stdout)
    assert report["policy_version"] == load_builtin_bundle().version_id
    assert (report["policy_source"], report["cipipe_version"]) == ("builtin", __version__)
    text = cli("--workdir", bare / "out", "shadow", "report", "--db", db)
    assert f"policy {load_builtin_bundle().version_id} (builtin)" in text.stdout


def test_dashboard_judges_readiness_with_the_builtin_and_shows_it(cli: Cli, bare: Path) -> None:
    """A decision made on the built-in policy says so on its dashboard page."""
    work = bare / "out"
    inputs = write_workdir(work).read(RiskInputs)
    assert cli("--workdir", work, "decide-strategy").exit_code == 0
    # The dashboard shows the builds the store knows, with their latest decision.
    store = open_store(str(bare / "cipipe-history.sqlite3"), default_path=bare / "unused.db")
    try:
        at = datetime.now(UTC)
        store.record_build(BuildRecord(inputs.service, inputs.build_id, at, "success", "cipipe"))
    finally:
        store.close()
    site = bare / "site"
    result = cli("--workdir", work, "dashboard", "--out", site)
    assert result.exit_code == 0, result.stderr
    _said_once(result)
    pages = [p.read_text() for p in site.rglob("*.html")]
    assert any("built into cipipe: the repository has no policy" in page for page in pages)
