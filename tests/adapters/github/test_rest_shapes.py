"""The exact requests GitHubRest sends, recorded with ``responses``."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from cipipe.adapters.github.interface import CodeHost, GitHubError
from cipipe.adapters.github.rest import GitHubRest
from cipipe.errors import ExitCode, InputError
from tests.adapters.github.helpers import sent
from tests.support.sleeps import Sleeps

API = "https://api.github.com"
GHE = "https://ghe.example.com/api/v3"
TOKEN = "ghp_ShapeToken0123456789abcdefABCDEF"
MARKER = "<!-- cipipe:gate -->"
SHA = "0123456789abcdef0123456789abcdef01234567"
COMMENTS = f"{API}/repos/acme/widget/issues/12/comments"


@pytest.fixture
def github(sleeps: Sleeps) -> GitHubRest:
    return GitHubRest(API, TOKEN, attempts=3, max_wait=5.0, sleep=sleeps)


def comment(comment_id: int, body: str) -> dict[str, Any]:
    return {"id": comment_id, "body": body, "html_url": f"https://github.com/c/{comment_id}"}


def assert_github_headers(index: int) -> None:
    headers = responses.calls[index].request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["User-Agent"].startswith("cipipe/")


def test_is_a_code_host(github: GitHubRest) -> None:
    host: CodeHost = github
    assert "ghp_" not in repr(host)


@responses.activate
def test_create_lists_then_posts_with_the_marker(github: GitHubRest) -> None:
    responses.get(COMMENTS, json=[comment(1, "LGTM")])
    responses.post(COMMENTS, status=201, json=comment(7, f"{MARKER}\nGate passed"))
    result = github.upsert_comment("acme/widget", 12, MARKER, "Gate passed")
    assert (result.id, result.url, result.created) == (7, "https://github.com/c/7", True)
    listing, post = (c.request for c in responses.calls)
    assert (listing.method, listing.url) == ("GET", f"{COMMENTS}?per_page=100")
    assert (post.method, post.url) == ("POST", COMMENTS)
    assert post.headers["Content-Type"] == "application/json"
    assert sent(1) == {"body": f"{MARKER}\nGate passed"}
    assert_github_headers(0)
    assert_github_headers(1)


@responses.activate
def test_update_patches_the_marked_comment(github: GitHubRest) -> None:
    responses.get(COMMENTS, json=[comment(1, "LGTM"), comment(5, f"old\n{MARKER}")])
    edit = f"{API}/repos/acme/widget/issues/comments/5"
    responses.patch(edit, json=comment(5, f"new {MARKER}"))
    result = github.upsert_comment("acme/widget", 12, MARKER, f"new {MARKER}")
    assert (result.id, result.created) == (5, False)
    patch = responses.calls[1].request
    assert (patch.method, patch.url) == ("PATCH", edit)
    assert sent(1) == {"body": f"new {MARKER}"}  # the marker was there: sent as is
    assert_github_headers(1)


@responses.activate
def test_an_unchanged_comment_is_not_edited(github: GitHubRest) -> None:
    responses.get(COMMENTS, json=[comment(5, f"{MARKER}\nsame")])
    result = github.upsert_comment("acme/widget", 12, MARKER, "same")
    assert (result.id, result.created, len(responses.calls)) == (5, False, 1)


@responses.activate
def test_pagination_finds_the_marker_on_page_two(github: GitHubRest) -> None:
    page2 = f"{COMMENTS}?per_page=100&page=2"
    responses.get(
        f"{COMMENTS}?per_page=100",
        json=[comment(i, "chatter") for i in range(100)],
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
        match=[responses.matchers.query_param_matcher({"per_page": "100"})],
    )
    responses.get(page2, json=[comment(900, f"{MARKER} old")])
    responses.patch(f"{API}/repos/acme/widget/issues/comments/900", json=comment(900, "x"))
    result = github.upsert_comment("acme/widget", 12, MARKER, "fresh")
    assert (result.id, result.created) == (900, False)
    assert [c.request.method for c in responses.calls] == ["GET", "GET", "PATCH"]
    assert responses.calls[1].request.url == page2
    assert_github_headers(1)


@responses.activate
def test_a_next_link_to_another_host_is_refused(github: GitHubRest) -> None:
    responses.get(COMMENTS, json=[], headers={"Link": '<https://evil.example/x>; rel="next"'})
    with pytest.raises(GitHubError, match="refusing to send the token") as error:
        github.upsert_comment("acme/widget", 12, MARKER, "x")
    assert TOKEN not in str(error.value)
    assert len(responses.calls) == 1


@responses.activate
def test_status_shape_and_description_truncation(github: GitHubRest) -> None:
    url = f"{API}/repos/acme/widget/statuses/{SHA}"
    responses.post(url, status=201, json={"state": "failure"})
    github.set_status(
        "acme/widget", SHA.upper(), "failure", "cipipe/gate", "x" * 200, "https://ci/job/1"
    )
    request = responses.calls[0].request
    assert (request.method, request.url) == ("POST", url)
    body = sent(0)
    assert body == {
        "state": "failure",
        "context": "cipipe/gate",
        "description": "x" * 139 + "…",
        "target_url": "https://ci/job/1",
    }
    assert len(body["description"]) == 140
    assert_github_headers(0)


@responses.activate
def test_status_without_target_url_omits_it(github: GitHubRest) -> None:
    responses.post(f"{API}/repos/acme/widget/statuses/{SHA}", status=201, json={})
    github.set_status("acme/widget", SHA, "success", "cipipe/gate", "x" * 140, None)
    assert sent(0) == {"state": "success", "context": "cipipe/gate", "description": "x" * 140}


@responses.activate
def test_enterprise_base_path() -> None:
    github = GitHubRest(f"{GHE}/", TOKEN)
    responses.post(f"{GHE}/repos/acme/widget/statuses/{SHA}", status=201, json={})
    github.set_status("acme/widget", SHA, "pending", "cipipe/gate", "running", None)
    assert responses.calls[0].request.url == f"{GHE}/repos/acme/widget/statuses/{SHA}"


@responses.activate
def test_primary_rate_limit_waits_until_reset(sleeps: Sleeps) -> None:
    github = GitHubRest(API, TOKEN, attempts=3, max_wait=30.0, sleep=sleeps, now=lambda: 1000.0)
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010"}
    responses.get(
        COMMENTS, status=403, json={"message": "API rate limit exceeded"}, headers=limited
    )
    responses.get(COMMENTS, json=[])
    responses.post(COMMENTS, status=201, json=comment(1, "x"))
    assert github.upsert_comment("acme/widget", 12, MARKER, "x").created
    assert sleeps == [11.0]


@responses.activate
def test_a_reset_beyond_max_wait_fails_at_once(sleeps: Sleeps) -> None:
    github = GitHubRest(API, TOKEN, attempts=3, max_wait=30.0, sleep=sleeps, now=lambda: 1000.0)
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4600"}
    responses.get(
        COMMENTS, status=429, json={"message": "API rate limit exceeded"}, headers=limited
    )
    with pytest.raises(GitHubError, match="rate limit is used up until"):
        github.upsert_comment("acme/widget", 12, MARKER, "x")
    assert sleeps == []


@responses.activate
def test_a_plain_403_is_final(github: GitHubRest, sleeps: Sleeps) -> None:
    url = f"{API}/repos/acme/widget/statuses/{SHA}"
    responses.post(url, status=403, json={"message": f"Resource not accessible {TOKEN}"})
    with pytest.raises(GitHubError, match=r"refused commit 0123456789ab in acme/widget \(403") as e:
        github.set_status("acme/widget", SHA, "success", "cipipe/gate", "ok", None)
    assert TOKEN not in str(e.value)
    assert "****" in str(e.value)
    assert (len(responses.calls), sleeps) == (1, [])


@responses.activate
def test_404_names_the_pull_request(github: GitHubRest) -> None:
    responses.get(COMMENTS, status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError, match=r"no pull request acme/widget#12 \(404") as error:
        github.upsert_comment("acme/widget", 12, MARKER, "x")
    assert error.value.exit_code == ExitCode.OUTSIDE_FAILURE


@pytest.mark.parametrize("repo", ["acme", "acme/", "/widget", "a/b/c", "acme/..", "-x/y", ""])
def test_bad_repo_is_bad_input(github: GitHubRest, repo: str) -> None:
    with pytest.raises(InputError) as error:
        github.upsert_comment(repo, 12, MARKER, "x")
    assert error.value.exit_code == ExitCode.BAD_INPUT


@pytest.mark.parametrize("number", [0, -3, True])
def test_bad_number_is_bad_input(github: GitHubRest, number: int) -> None:
    with pytest.raises(InputError, match="pull request number"):
        github.upsert_comment("acme/widget", number, MARKER, "x")


def test_bad_sha_state_and_marker_are_bad_input(github: GitHubRest) -> None:
    with pytest.raises(InputError, match="commit"):
        github.set_status("acme/widget", "abc123", "success", "cipipe/gate", "x", None)
    with pytest.raises(InputError, match="state"):
        github.set_status("acme/widget", SHA, "green", "cipipe/gate", "x", None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="marker"):
        github.upsert_comment("acme/widget", 1, " ", "x")


def test_token_with_whitespace_is_refused_without_echo() -> None:
    with pytest.raises(InputError) as error:
        GitHubRest(API, "ghp_abc\r\nX-Evil: 1")
    assert "ghp_abc" not in str(error.value)


def test_a_huge_body_is_shortened_and_keeps_the_marker() -> None:
    from cipipe.adapters.github.interface import COMMENT_MAX, with_marker

    for body in ("y" * 70000, f"y{MARKER}" + "y" * 70000):
        text = with_marker(body, MARKER)
        assert len(text) == COMMENT_MAX
        assert text.startswith(MARKER) and text.count(MARKER) == 1 and text.endswith("…")
    assert with_marker("short", MARKER) == f"{MARKER}\nshort"
