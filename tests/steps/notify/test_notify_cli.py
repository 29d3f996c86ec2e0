"""`cipipe notify` end to end: the message from the reports of a real work folder (gate.json
from `cipipe gate`), on the file channel, a loopback Slack bot (threaded per build, within
Block Kit's limits) or webhook; a failing Slack is recorded, never a failed build unless
--strict; and the build recorded in the history store with the gate's result."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.gate import GateReport
from cipipe.contracts.loading import read_contract
from cipipe.contracts.notification import DeliveryRecord, NotificationLog
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.risk.riskinputs import write_workdir
from tests.steps.decide_strategy.conftest import DEPLOY_AT, POLICIES
from tests.steps.gate.reports import same_commit, write_reports
from tests.steps.gate.tables import artifacts, make_tests, platform
from tests.support.outside import clear_outside_config
from tests.support.slackserver import VALID_TOKEN, WEBHOOK_PATH, FakeSlack, fake_slack

Cli = Callable[..., CliResult]
CHANNEL = "#builds"
BAD_TOKEN = "xoxb-9999-8888-notavalidtoken"
MAX_BLOCKS, MAX_SECTION_TEXT, MAX_HEADER_TEXT = 50, 3000, 150  # Slack's Block Kit reference


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_outside_config(monkeypatch)
    monkeypatch.setenv("BUILD_URL", "http://jenkins.invalid/job/svc/7/")
    monkeypatch.setenv("BUILD_TAG", "jenkins-svc-main-7")


@pytest.fixture
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the Slack retries asked for; none is slept (the CLI has no knob for them)."""
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


class Build:
    """A work folder as the pipeline leaves it before notify: build-info, risk inputs, the
    reports, and gate.json from a real `cipipe gate` run."""

    def __init__(self, cli: Cli, root: Path) -> None:
        self.cli = cli
        self.work = root / "work"
        self.db = root / "history.sqlite3"
        write_workdir(self.work, with_build_info_paths=["src/server.c"])  # svc, build 7
        WorkDir(self.work).write(same_commit(artifacts(checked=False)))
        self.repo = write_reports(self.work)

    def gate(self, *, blocking: tuple[str, ...] = ()) -> GateReport:
        write_reports(self.work, blocking=blocking)
        result = self.cli("--workdir", self.work, "gate", "--repo", self.repo)
        assert result.exit_code == (1 if blocking else 0), result.stderr
        return read_contract(GateReport, self.work / GateReport.FILE_NAME)

    def notify(self, *args: str) -> CliResult:
        return self.cli(
            "--workdir", self.work, "notify", "--repo", self.repo, "--db", self.db, *args
        )

    def log(self) -> NotificationLog:
        return read_contract(NotificationLog, self.work / NotificationLog.FILE_NAME)

    def delivery(self) -> DeliveryRecord:
        record = self.log().messages[-1].delivery
        assert record is not None
        return record

    def results(self) -> list[str]:
        store = open_store(str(self.db), default_path=self.db)
        try:
            return [b.result for b in store.builds("svc") if b.build_id == "7"]
        finally:
            store.close()

    def files_text(self) -> str:
        return "".join(
            p.read_text(errors="replace") for p in self.work.parent.rglob("*") if p.is_file()
        )


@pytest.fixture
def build(cli: Cli, tmp_path: Path) -> Build:
    return Build(cli, tmp_path)


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    with fake_slack() as server:
        assert server.url.startswith("http://127.0.0.1:")
        monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
        monkeypatch.setenv("SLACK_API_URL", server.api_url)
        yield server


def check_limits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        elif block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        elif block["type"] == "context":
            assert all(len(e["text"]) <= MAX_SECTION_TEXT for e in block["elements"])


def test_file_channel_without_slack(build: Build) -> None:
    build.gate(blocking=("CVE-2024-0001",))
    result = build.notify()
    assert result.exit_code == 0, result.stderr
    (message,) = build.log().messages
    assert message.title == "svc build 7: rejected"
    assert message.key == "svc/7"
    assert message.severity == "failure"
    assert message.delivery is None  # the file is the channel
    assert "security" in message.text
    assert "jenkins.invalid/job/svc/7/console" in message.text
    markdown = (build.work / "notification.md").read_text()
    assert "svc build 7: rejected" in markdown
    assert build.results() == ["failure"]


def test_slack_bot_posts_and_threads_per_build(build: Build, slack: FakeSlack) -> None:
    build.gate()
    result = build.notify()
    assert result.exit_code == 0, result.stderr
    (first,) = slack.posted("api")
    assert first["channel"] == CHANNEL
    assert "thread_ts" not in first or not first["thread_ts"]
    assert first["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "svc build 7: passed"},
    }
    check_limits(first["blocks"])
    assert "svc build 7: passed" in first["text"]
    record = build.delivery()
    assert record.ok and record.channel == "slack-bot" and record.target == CHANNEL
    assert record.ts == "1767225600.000001" and record.error is None
    assert build.results() == ["success"]

    # The same build again: a reply in its thread.
    assert build.notify().exit_code == 0
    second = slack.posted("api")[1]
    assert second["thread_ts"] == record.ts
    assert build.delivery().ts == "1767225600.000002"

    # decide-strategy's message about the same build ("svc/7") joins the thread too.
    context = build.work.parent / "context.yaml"
    context.write_text(f"deploy_at: {DEPLOY_AT}\nproduction_qps: 250\n")
    decided = build.cli(
        "--workdir",
        build.work,
        "decide-strategy",
        "--policy",
        POLICIES,
        "--db",
        build.db,
        "--context",
        context,
    )
    assert decided.exit_code == 0, decided.stderr
    third = slack.posted("api")[2]
    assert third["thread_ts"] == record.ts
    assert all(VALID_TOKEN not in text for text in (result.stdout, result.stderr))
    assert VALID_TOKEN not in build.files_text()


def test_a_later_verdict_is_recorded_with_its_result(build: Build) -> None:
    build.gate()
    assert build.notify().exit_code == 0
    assert build.results() == ["success"]
    build.gate(blocking=("CVE-2024-0001",))
    assert build.notify().exit_code == 0
    assert build.results() == ["failure"]  # one build, its latest result


def check_failure_recorded(build: Build, result: CliResult, secret: str, error: str) -> None:
    assert result.exit_code == 0, result.stderr
    record = build.delivery()
    assert not record.ok
    assert record.error is not None and error in record.error, record.error
    assert "notification" in result.stderr and "failed" in result.stderr
    assert secret not in result.stdout + result.stderr
    assert secret not in build.files_text()
    assert build.results() == ["success"]  # the build is recorded all the same


def test_rate_limited_then_posted(build: Build, slack: FakeSlack, no_waits: list[float]) -> None:
    build.gate()
    slack.fail("api", "429:1")
    result = build.notify()
    assert result.exit_code == 0, result.stderr
    assert no_waits == [1.0]  # Retry-After, as Slack sent it
    assert len(slack.posted("api")) == 2
    record = build.delivery()
    assert record.ok and record.attempts == 2 and record.ts is not None


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_server_errors_until_retries_run_out(
    build: Build, slack: FakeSlack, no_waits: list[float], strict: bool
) -> None:
    build.gate()
    slack.fail("api", *["500"] * 10)
    result = build.notify(*(["--strict"] if strict else []))
    if strict:
        assert result.exit_code == 3, result.stderr
        assert "HTTP 500" in result.stderr
        result = CliResult(0, result.stdout, result.stderr)
    check_failure_recorded(build, result, VALID_TOKEN, "HTTP 500")
    assert len(slack.posted("api")) == 4 == build.delivery().attempts
    assert len(no_waits) == 3


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_invalid_auth(
    build: Build, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BAD_TOKEN)
    build.gate()
    result = build.notify(*(["--strict"] if strict else []))
    if strict:
        assert result.exit_code == 3, result.stderr
        result = CliResult(0, result.stdout, result.stderr)
    check_failure_recorded(build, result, BAD_TOKEN, "invalid_auth")
    (posted,) = slack.seen
    assert posted.headers["Authorization"] == f"Bearer {BAD_TOKEN}"  # it was really sent


@pytest.fixture
def webhook(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.webhook_url)
    return slack


def test_webhook(build: Build, webhook: FakeSlack) -> None:
    build.gate(blocking=("CVE-2024-0001",))
    result = build.notify()
    assert result.exit_code == 0, result.stderr
    (posted,) = webhook.posted("webhook")
    assert posted["blocks"][0]["text"]["text"] == "svc build 7: rejected"
    check_limits(posted["blocks"])
    record = build.delivery()
    assert record.ok and record.channel == "slack-webhook" and record.target == "the Slack webhook"
    assert WEBHOOK_PATH not in result.stdout + result.stderr + build.files_text()
    assert build.results() == ["failure"]


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_webhook_404(build: Build, webhook: FakeSlack, strict: bool) -> None:
    build.gate()
    webhook.fail("webhook", "404")
    result = build.notify(*(["--strict"] if strict else []))
    if strict:
        assert result.exit_code == 3, result.stderr
        result = CliResult(0, result.stdout, result.stderr)
    check_failure_recorded(build, result, "fakewebhooksecret", "HTTP 404")


def test_very_long_inputs_stay_within_slack_limits(build: Build, slack: FakeSlack) -> None:
    flaky = tuple(f"Suite{i}.test_{i}" for i in range(3))
    platforms = [platform(f"p{i:03d}", flaky=flaky) for i in range(200)]
    work = WorkDir(build.work)
    work.write(same_commit(make_tests(platform("linux"), *platforms)))
    result = build.cli("--workdir", build.work, "gate", "--repo", build.repo)
    assert result.exit_code == 0, result.stderr
    report = read_contract(GateReport, build.work / GateReport.FILE_NAME)
    assert report.verdict == "needs-attention"
    work.write(report.model_copy(update={"summary": "needs attention: " + "x" * 10_000}))
    result = build.notify()
    assert result.exit_code == 0, result.stderr
    (posted,) = slack.posted("api")
    check_limits(posted["blocks"])
    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert any(text.endswith("…") for text in sections)  # cut, not refused
    assert build.delivery().ok
    assert build.results() == ["unstable"]
