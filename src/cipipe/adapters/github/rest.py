"""PR feedback over GitHub's REST API: one issue comment edited in place, and commit statuses.

Endpoints (docs.github.com/rest, API version 2022-11-28):

- ``GET /repos/{owner}/{repo}/issues/{number}/comments`` (``per_page=100``, Link pages;
  oldest first, so the marker comment of the first run is found early)
- ``POST /repos/{owner}/{repo}/issues/{number}/comments`` ``{"body"}``
- ``PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`` ``{"body"}``
- ``POST /repos/{owner}/{repo}/statuses/{sha}`` ``{"state", "context", "description",
  "target_url"}``

A pull request is an issue, so its conversation comments are issue comments.
"""

from __future__ import annotations

from typing import Any

from cipipe.adapters.github.client import GitHubClient
from cipipe.adapters.github.interface import (
    DESCRIPTION_MAX,
    CommentResult,
    GitHubError,
    StatusState,
    check_marker,
    check_number,
    check_repo,
    check_sha,
    check_state,
    shorten,
    with_marker,
)
from cipipe.errors import InputError


class GitHubRest(GitHubClient):
    """``CodeHost`` over GitHub's REST API; ``cipipe setup github`` adds its endpoints here."""

    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> CommentResult:
        owner, name = check_repo(repo)
        check_number(number)
        text = with_marker(body, check_marker(marker))
        what = f"pull request {owner}/{name}#{number}"
        existing = self.find_comment(repo, number, marker)
        if existing is not None:
            comment_id = _comment_id(existing, what)
            if existing.get("body") == text:
                return _result(existing, what, created=False)  # nothing to edit
            edited = self.request(
                "PATCH",
                f"/repos/{owner}/{name}/issues/comments/{comment_id}",
                json={"body": text},
                what=f"comment {comment_id} on {what}",
            )
            return _result(edited, what, created=False)
        created = self.request(
            "POST",
            f"/repos/{owner}/{name}/issues/{number}/comments",
            json={"body": text},
            what=what,
            recheck=lambda: self.find_comment(repo, number, marker),
        )
        return _result(created, what, created=True)

    def find_comment(self, repo: str, number: int, marker: str) -> dict[str, Any] | None:
        """The oldest comment on PR ``number`` whose body holds ``marker``; None when none does."""
        owner, name = check_repo(repo)
        check_number(number)
        for comment in self.pages(
            f"/repos/{owner}/{name}/issues/{number}/comments",
            what=f"pull request {owner}/{name}#{number}",
        ):
            if isinstance(comment, dict) and marker in str(comment.get("body") or ""):
                return comment
        return None

    def set_status(
        self,
        repo: str,
        sha: str,
        state: StatusState,
        context: str,
        description: str,
        target_url: str | None,
    ) -> None:
        owner, name = check_repo(repo)
        commit = check_sha(sha)
        if not context.strip():
            raise InputError("empty status context", field="context", expected="e.g. cipipe/gate")
        payload: dict[str, str] = {
            "state": check_state(state),
            "context": context,
            "description": shorten(description, DESCRIPTION_MAX),
        }
        if target_url is not None:
            payload["target_url"] = target_url
        self.request(
            "POST",
            f"/repos/{owner}/{name}/statuses/{commit}",
            json=payload,
            what=f"commit {commit[:12]} in {owner}/{name}",
        )


def _comment_id(comment: Any, what: str) -> int:
    comment_id = comment.get("id") if isinstance(comment, dict) else None
    if not isinstance(comment_id, int) or isinstance(comment_id, bool):
        raise GitHubError(f"GitHub answered a comment on {what} without an id")
    return comment_id


def _result(comment: Any, what: str, *, created: bool) -> CommentResult:
    comment_id = _comment_id(comment, what)
    url = comment.get("html_url")
    return CommentResult(comment_id, url if isinstance(url, str) else "", created)
