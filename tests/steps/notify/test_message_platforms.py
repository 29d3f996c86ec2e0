"""The build message says which platforms were built and which were skipped, and which
optional platforms the candidate was published without."""

from __future__ import annotations

from cipipe.contracts.artifacts import Artifacts, PlatformBuild, Reproducibility
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


SKIPPED = (
    "x86_64-w64-mingw32-g++-posix is not installed (apt-get install g++-mingw-w64-x86-64-posix)"
)


def with_builds(*records: PlatformBuild) -> BuildReports:
    artifacts = Artifacts(
        service="svc",
        commit="c" * 40,
        build_id="7",
        build_id_source="flag",
        platforms=list(records),
        artifacts=[],
        reproducibility=Reproducibility(checked=False, required=False),
    )
    return BuildReports("svc", "7", "c" * 40, "main", None, None, None, None, artifacts)


def test_a_skipped_platform_is_said_skipped_never_built() -> None:
    message = build_message(
        with_builds(
            PlatformBuild(platform="linux", status="built"),
            PlatformBuild(platform="arm", status="built"),
            PlatformBuild(platform="windows", status="skipped", reason=SKIPPED),
        ),
        {},
    )
    line = f"built for linux, arm; skipped: windows ({SKIPPED})"
    assert line in message.text and line in message.markdown
    assert any(line in str(block) for block in message.blocks)
    assert "built for linux, arm, windows" not in message.text


def test_every_platform_built_is_listed_as_built() -> None:
    message = build_message(
        with_builds(*(PlatformBuild(platform=p, status="built") for p in ("linux", "windows"))),
        {},
    )
    assert "built for linux, windows\n" in message.text + "\n"
    assert "skipped" not in message.text
