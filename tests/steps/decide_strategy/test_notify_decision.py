"""The decision announced: the file channel by default, a Slack bot (the loopback fake) when
configured; a Slack that refuses or fails never changes the decision or the exit code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cipipe.contracts.loading import read_contract
from cipipe.contracts.notification import NotificationLog
from cipipe.contracts.risk_decision import RiskDecision, RiskInputsForDecision
from tests.risk.riskinputs import write_workdir
from tests.steps.decide_strategy.conftest import Decide
from tests.support.slackserver import VALID_TOKEN, FakeSlack, fake_slack

CHANNEL = "#deploys"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return write_workdir(tmp_path / "work", with_build_info_paths=["src/server.c"]).path


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    with fake_slack() as server:
        monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
        monkeypatch.setenv("SLACK_API_URL", server.api_url)
        yield server


def headline(work: Path) -> tuple[str, str]:
    d = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    return f"Risk score {d.risk_score}/100", f"Strategy: {d.recommended_strategy}, "


def test_file_channel_by_default(decide: Decide, work: Path) -> None:
    result = decide(work)
    assert result.exit_code == 0, result.stderr
    log = read_contract(NotificationLog, work / NotificationLog.FILE_NAME)
    (message,) = log.messages
    score, strategy = headline(work)
    assert score in message.text and strategy in message.text
    assert message.key == "svc/7"
    assert "Top contributors: " in message.text
    assert score in (work / "notification.md").read_text()


def test_slack_bot_gets_the_message(decide: Decide, work: Path, slack: FakeSlack) -> None:
    result = decide(work)
    assert result.exit_code == 0, result.stderr
    (posted,) = slack.posted("api")
    score, strategy = headline(work)
    assert posted["channel"] == CHANNEL
    assert score in posted["text"] and strategy in posted["text"]
    assert posted["blocks"][0]["type"] == "header"
    assert not (work / NotificationLog.FILE_NAME).exists()
    assert "notified" in result.stderr


@pytest.mark.parametrize("fault", ["invalid_auth", "500"])
def test_a_failing_slack_does_not_change_the_decision(
    decide: Decide,
    work: Path,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # no backoff between retries
    slack.fail("api", *[fault] * 10)
    result = decide(work)
    assert result.exit_code == 0, result.stderr
    assert "notification failed" in result.stderr
    assert VALID_TOKEN not in result.stderr
    read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    read_contract(RiskInputsForDecision, work / RiskInputsForDecision.FILE_NAME)
    assert slack.posted("api")  # it was tried
