"""Backfill from a Jenkins on 127.0.0.1 into a SQLite store, then read failure rates from it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cipipe.adapters.history.interface import FailureRate
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from cipipe.adapters.jenkins import JenkinsClient
from cipipe.steps.history import ImportSummary, import_jenkins, top_level_module
from tests.support.jenkinsserver import FakeJenkins, recorded_builds, serve

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOKEN = "import-Token-5550123"
JOB = "team/gateway"


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    auth = "Basic " + base64.b64encode(f"ci-bot:{TOKEN}".encode()).decode()
    fake = FakeJenkins(jobs={"job/team/job/gateway": recorded_builds()}, authorization=auth)
    with serve(fake):
        yield fake


@pytest.fixture
def client(jenkins: FakeJenkins) -> JenkinsClient:
    env = {"JENKINS_USER": "ci-bot", "JENKINS_API_TOKEN": TOKEN}
    return JenkinsClient.from_env(jenkins.url, env, page_size=4, timeout=5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlAlchemyHistoryStore]:
    with open_store(str(tmp_path / "history.db"), default_path=tmp_path / "unused.db") as opened:
        yield opened


def test_import_then_failure_rates(client: JenkinsClient, store: SqlAlchemyHistoryStore) -> None:
    summary = import_jenkins(client, store, "gateway", JOB)
    assert summary == ImportSummary(imported=6, running=1)

    builds = {b.build_id: b for b in store.builds("gateway")}
    assert sorted(builds, key=int) == ["21", "22", "23", "24", "25", "26"]
    assert [builds[n].result for n in ("26", "25", "24", "23")] == [
        "success",
        "failure",
        "unstable",
        "aborted",
    ]
    failed = builds["25"]
    assert failed.modules == ("core", "net")
    assert (failed.commit, failed.author) == ("25" * 19 + "02", "Alan Turing")
    assert failed.source == "jenkins"
    assert failed.started_at == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert builds["26"].modules == ("net",), "a file at the root is in no module"
    assert builds["22"].modules == ()

    assert store.failure_rate("gateway", "net", window_days=30, now=NOW) == FailureRate(1, 2, 0.5)
    ever = store.failure_rate("gateway", "net", window_days=None, now=NOW)
    assert (ever.failed, ever.total) == (2, 3)
    assert store.failure_rate("gateway", "core", window_days=30, now=NOW) == FailureRate(1, 2, 0.5)
    assert store.failure_rate("gateway", "ui", window_days=30, now=NOW) == FailureRate(0, 1, 0.0)

    # Build 26 shipped and was rolled back: it now counts against net too.
    store.record_outcome("gateway", "26", "rollback", NOW, "error rate 4%")
    assert store.failure_rate("gateway", "net", window_days=30, now=NOW) == FailureRate(2, 2, 1.0)


def test_reimport_is_idempotent_and_picks_up_finished_builds(
    jenkins: FakeJenkins, client: JenkinsClient, store: SqlAlchemyHistoryStore
) -> None:
    import_jenkins(client, store, "gateway", JOB)
    jenkins.jobs["job/team/job/gateway"][0]["result"] = "FAILURE"  # build 27 has finished
    summary = import_jenkins(client, store, "gateway", JOB)
    assert summary == ImportSummary(imported=7, running=0)
    assert len(store.builds("gateway", limit=100)) == 7
    rate = store.failure_rate("gateway", "net", window_days=30, now=NOW)
    assert (rate.failed, rate.total) == (2, 3)
    assert rate.rate == pytest.approx(2 / 3)


def test_module_of_and_branch(client: JenkinsClient, store: SqlAlchemyHistoryStore) -> None:
    def two_levels(path: str) -> str | None:
        parts = path.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else top_level_module(path)

    import_jenkins(client, store, "gateway", JOB, two_levels, branch="main")
    failed = next(b for b in store.builds("gateway") if b.build_id == "25")
    assert failed.modules == ("core", "net/http")
    assert failed.branch == "main"


def test_top_level_module() -> None:
    assert top_level_module("libs/net/socket.c") == "libs"
    assert top_level_module("/libs/x.c") == "libs"
    assert top_level_module("CMakeLists.txt") is None


def test_cli_import_with_credentials_from_the_environment(
    jenkins: FakeJenkins,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cipipe.cli import run

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text("service: gateway\nsupports: [linux]\n")
    db = tmp_path / "history.db"
    argv = [
        "--workdir",
        str(tmp_path / "w"),
        "history",
        "import-jenkins",
        "--repo",
        str(repo),
        "--url",
        jenkins.url,
        "--job",
        JOB,
        "--db",
        str(db),
    ]
    monkeypatch.setenv("JENKINS_USER", "ci-bot")
    monkeypatch.setenv("JENKINS_API_TOKEN", "wrong-token-123")
    assert run(argv) == 3
    err = capsys.readouterr().err
    assert "authentication failed" in err and "wrong-token-123" not in err
    monkeypatch.setenv("JENKINS_API_TOKEN", TOKEN)
    assert run(argv) == 0
    with open_store(str(db), default_path=tmp_path / "unused.db") as opened:
        assert len(opened.builds("gateway")) == 6
