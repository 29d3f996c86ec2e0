"""GitHubRest over real HTTP against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from cipipe.adapters.github.interface import GitHubError
from cipipe.adapters.github.rest import GitHubRest
from tests.support.githubserver import FakeGitHub, serve
from tests.support.sleeps import Sleeps

REPO = "acme/widget"
MARKER = "<!-- cipipe:gate -->"
SHA = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_pr(REPO, 12)
    with serve(server):
        yield server


@pytest.fixture
def github(fake: FakeGitHub, sleeps: Sleeps) -> GitHubRest:
    return GitHubRest(fake.url, fake.token, attempts=3, max_wait=0.5, timeout=5, sleep=sleeps)


def marked(fake: FakeGitHub) -> list[str]:
    return [c["body"] for c in fake.comments_of(REPO, 12) if MARKER in c["body"]]


def test_create_then_update_in_place(fake: FakeGitHub, github: GitHubRest) -> None:
    first = github.upsert_comment(REPO, 12, MARKER, "Gate: needs attention")
    second = github.upsert_comment(REPO, 12, MARKER, "Gate: passed")
    assert first.created and not second.created
    assert first.id == second.id
    assert first.url.endswith(f"#issuecomment-{first.id}")
    assert marked(fake) == [f"{MARKER}\nGate: passed"]
    assert [s.method for s in fake.seen] == ["GET", "POST", "GET", "PATCH"]
    assert all(s.headers["Authorization"] == f"Bearer {fake.token}" for s in fake.seen)


def test_another_bots_comment_is_left_alone(fake: FakeGitHub, github: GitHubRest) -> None:
    other = fake.add_comment(REPO, 12, "Coverage: 81%", user="codecov[bot]")
    result = github.upsert_comment(REPO, 12, MARKER, "Gate: passed")
    github.upsert_comment(REPO, 12, MARKER, "Gate: rejected")
    comments = fake.comments_of(REPO, 12)
    assert [c["id"] for c in comments] == [other, result.id]
    assert comments[0]["body"] == "Coverage: 81%"
    assert comments[1]["user"]["login"] == fake.login


def test_marker_found_on_a_later_page(fake: FakeGitHub, sleeps: Sleeps) -> None:
    for i in range(5):
        fake.add_comment(REPO, 12, f"chatter {i}")
    mine = fake.add_comment(REPO, 12, f"{MARKER} old", user=fake.login)
    github = GitHubRest(fake.url, fake.token, per_page=2, sleep=sleeps)
    result = github.upsert_comment(REPO, 12, MARKER, "new")
    assert (result.id, result.created) == (mine, False)
    pages = [s.query for s in fake.seen if s.method == "GET"]
    assert pages == [
        {"per_page": "2"},
        {"per_page": "2", "page": "2"},
        {"per_page": "2", "page": "3"},
    ]


def test_statuses_are_recorded(fake: FakeGitHub, github: GitHubRest) -> None:
    github.set_status(REPO, SHA, "pending", "cipipe/gate", "running", None)
    github.set_status(REPO, SHA, "success", "cipipe/gate", "passed " * 40, "https://ci/1")
    github.set_status(REPO, SHA, "failure", "cipipe/gate", "rejected", "https://ci/2")
    states = [(s["state"], s["context"]) for s in fake.statuses[(REPO, SHA)]]
    assert states == [
        ("pending", "cipipe/gate"),
        ("success", "cipipe/gate"),
        ("failure", "cipipe/gate"),
    ]
    assert len(fake.statuses[(REPO, SHA)][1]["description"]) == 140


def test_500_then_success(fake: FakeGitHub, github: GitHubRest, sleeps: Sleeps) -> None:
    fake.fail("500")
    github.set_status(REPO, SHA, "success", "cipipe/gate", "ok", None)
    assert len(fake.statuses[(REPO, SHA)]) == 1
    assert len(sleeps) == 1


def test_429_retry_after_is_honoured_and_capped(
    fake: FakeGitHub, github: GitHubRest, sleeps: Sleeps
) -> None:
    fake.fail("429:0.2", "429:30")
    result = github.upsert_comment(REPO, 12, MARKER, "x")
    assert result.created
    assert sleeps == [0.2, 0.5]  # Retry-After as sent, then capped at max_wait
    assert len(marked(fake)) == 1


def test_secondary_rate_limit_403_is_retried(
    fake: FakeGitHub, github: GitHubRest, sleeps: Sleeps
) -> None:
    fake.fail("403-secondary:0.1", "403-secondary")
    github.set_status(REPO, SHA, "success", "cipipe/gate", "ok", None)
    assert sleeps == [0.1, 0.5]  # no Retry-After: GitHub's one minute, capped
    assert len(fake.statuses[(REPO, SHA)]) == 1


def test_primary_rate_limit_403_waits_for_reset(fake: FakeGitHub, sleeps: Sleeps) -> None:
    github = GitHubRest(fake.url, fake.token, max_wait=3.0, sleep=sleeps)
    fake.fail("403-reset:1")
    github.set_status(REPO, SHA, "success", "cipipe/gate", "ok", None)
    assert len(sleeps) == 1 and 0.0 < sleeps[0] <= 3.0
    fake.fail("403-reset:3600")
    with pytest.raises(GitHubError, match="rate limit is used up until"):
        github.set_status(REPO, SHA, "success", "cipipe/gate", "ok", None)
    assert len(sleeps) == 1


def test_a_lost_answer_to_the_create_does_not_duplicate(
    fake: FakeGitHub, github: GitHubRest
) -> None:
    fake.fail("POST 502-after")  # the create happens, but its answer is lost
    result = github.upsert_comment(REPO, 12, MARKER, "once")
    assert result.created
    assert len(marked(fake)) == 1
    assert [s.method for s in fake.seen] == ["GET", "POST", "GET"]


def test_retries_exhausted(
    fake: FakeGitHub, github: GitHubRest, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("502", "500", "502")
    with caplog.at_level(logging.DEBUG), pytest.raises(GitHubError) as error:
        github.upsert_comment(REPO, 12, MARKER, "x")
    assert "after 3 attempts" in str(error.value)
    assert error.value.exit_code == 3
    assert fake.token not in str(error.value)
    assert fake.token not in caplog.text
    assert len(sleeps) == 2
    assert fake.comments_of(REPO, 12) == []


def test_401(fake: FakeGitHub, sleeps: Sleeps, caplog: pytest.LogCaptureFixture) -> None:
    github = GitHubRest(fake.url, "ghp_WrongToken0123456789", sleep=sleeps)
    with caplog.at_level(logging.DEBUG), pytest.raises(GitHubError) as error:
        github.set_status(REPO, SHA, "success", "cipipe/gate", "ok", None)
    assert "GitHub refused the token (401)" in str(error.value)
    assert "ghp_WrongToken" not in str(error.value) + caplog.text
    assert sleeps == []
    assert len(fake.seen) == 1


def test_injected_401_is_final(fake: FakeGitHub, github: GitHubRest, sleeps: Sleeps) -> None:
    fake.fail("401")
    with pytest.raises(GitHubError, match=r"refused the token \(401\)"):
        github.upsert_comment(REPO, 12, MARKER, "x")
    assert sleeps == []


def test_unknown_pull_request_is_named(fake: FakeGitHub, github: GitHubRest) -> None:
    with pytest.raises(GitHubError, match=r"no pull request acme/widget#99 \(404"):
        github.upsert_comment(REPO, 99, MARKER, "x")


def test_enterprise_prefix(sleeps: Sleeps) -> None:
    fake = FakeGitHub(prefix="/api/v3")
    fake.add_pr(REPO, 3)
    for i in range(3):
        fake.add_comment(REPO, 3, f"chatter {i}")
    with serve(fake):
        github = GitHubRest(fake.url, fake.token, per_page=2, sleep=sleeps)
        first = github.upsert_comment(REPO, 3, MARKER, "a")
        second = github.upsert_comment(REPO, 3, MARKER, "b")
    assert first.id == second.id
    assert all(s.path.startswith("/api/v3/repos/") for s in fake.seen)


def test_a_refused_create_is_sent_again_once(fake: FakeGitHub, github: GitHubRest) -> None:
    fake.fail("POST 500")  # refused before any work: the recheck finds nothing, so POST again
    assert github.upsert_comment(REPO, 12, MARKER, "once").created
    assert len(marked(fake)) == 1
    assert [s.method for s in fake.seen] == ["GET", "POST", "GET", "POST"]
