"""The build message says which optional platforms the candidate was published without."""

from __future__ import annotations

from cipipe.contracts.publish import PublishReport
from cipipe.steps.notify.message import BuildReports, build_message


def reports(missing: list[str]) -> BuildReports:
    published = PublishReport(
        store="file:///store",
        service="svc",
        build_id="7",
        state="candidate",
        files=[],
        missing_platforms=missing,
        bytes_sent=0,
        files_skipped=0,
    )
    return BuildReports("svc", "7", "c" * 40, "main", None, None, published, None)


def test_the_message_names_the_platforms_published_without() -> None:
    message = build_message(reports(["arm", "windows"]), {})
    line = "published without arm, windows (optional, not built)"
    assert line in message.text and line in message.markdown
    assert any(line in str(block) for block in message.blocks)


def test_nothing_said_when_every_platform_built() -> None:
    assert "published without" not in build_message(reports([]), {}).text
