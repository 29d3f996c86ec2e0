"""FileNotifier: the embedded default, notification.json (a contract) and notification.md."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cipipe.adapters.notifications.file import FileNotifier
from cipipe.adapters.notifications.interface import Message, deliver
from cipipe.contracts.loading import read_contract
from cipipe.contracts.notification import NotificationLog

NOW = datetime(2026, 1, 2, 10, 0, 0, tzinfo=UTC)


def message(n: int, severity: str = "info") -> Message:
    return Message(
        key="sample-service/42",
        title=f"Build 42: step {n}",
        text=f"plain text {n}",
        markdown=f"**markdown {n}**",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 4000}}],
        severity="failure" if severity == "failure" else "info",
    )


def test_appends_two_messages_to_json_and_markdown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = FileNotifier(tmp_path / "work", clock=lambda: NOW)
    caplog.set_level(logging.INFO, logger="cipipe.notify")
    first = notifier.send(message(1))
    second = deliver(notifier, message(2, "failure"))
    assert first.ok and second.ok and second.kind == "file"
    assert second.target == str(tmp_path / "work" / "notification.json")

    log = read_contract(NotificationLog, tmp_path / "work" / "notification.json")
    assert [m.title for m in log.messages] == ["Build 42: step 1", "Build 42: step 2"]
    assert [m.severity for m in log.messages] == ["info", "failure"]
    assert log.messages[0].sent_at == NOW
    assert len(log.messages[0].blocks[0]["text"]["text"]) == 3000  # checked like Slack's
    raw = json.loads((tmp_path / "work" / "notification.json").read_text())
    assert raw["schema"] == "cipipe.notification/1"
    assert NotificationLog.model_validate(raw).messages[1].key == "sample-service/42"

    markdown = (tmp_path / "work" / "notification.md").read_text()
    assert markdown.index("## Build 42: step 1") < markdown.index("## Build 42: step 2")
    assert (
        "**markdown 2**" in markdown
        and "_failure · sample-service/42 · 2026-01-02T10:00:00Z_" in markdown
    )

    texts = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("cipipe.notify", logging.INFO, "Build 42: step 1\nplain text 1") in texts
    assert ("cipipe.notify", logging.ERROR, "Build 42: step 2\nplain text 2") in texts


def test_console_off_logs_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="cipipe.notify")
    assert FileNotifier(tmp_path, console=False).send(message(1)).ok
    assert not caplog.records


def test_a_broken_file_is_a_failed_delivery_not_an_exception(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "notification.json").write_text('{"schema": "cipipe.other/1"}')
    delivery = deliver(FileNotifier(tmp_path, console=False), message(1))
    assert not delivery.ok and delivery.error and "notification.json" in delivery.error
    assert (tmp_path / "notification.json").read_text() == '{"schema": "cipipe.other/1"}'
    assert any(r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize("name", ["notification.json", "notification.md"])
def test_a_linked_log_file_is_refused_unread(tmp_path: Path, name: str) -> None:
    from cipipe.errors import LinkRefusedError

    secret = tmp_path / "host-secret"
    secret.write_text('{"schema": "cipipe.notification/1", "messages": "TOPSECRET"}\n')
    work = tmp_path / "work"
    work.mkdir()
    (work / name).symlink_to(secret)
    with pytest.raises(LinkRefusedError) as info:
        FileNotifier(work, clock=lambda: NOW).send(message(1))
    assert f"{name}: is a symbolic link" in str(info.value) and "TOPSECRET" not in str(info.value)
    assert secret.read_text().count("TOPSECRET") == 1 and [p.name for p in work.iterdir()] == [name]
