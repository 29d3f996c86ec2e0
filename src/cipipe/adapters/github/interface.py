"""What a step needs from a code host to give feedback on a pull request, whichever host it is.

A step (``gate``, ``notify``) takes ``CodeHost``, never ``GitHubRest``, so it can be tested with a
fake and run on a laptop with no host at all. The comment is found again on a rerun by a hidden
marker (an HTML comment such as ``<!-- cipipe:gate -->``) and edited in place, never duplicated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from cipipe.errors import InputError, OutsideSystemError

StatusState = Literal["error", "failure", "pending", "success"]
STATUS_STATES: frozenset[str] = frozenset(get_args(StatusState))
DESCRIPTION_MAX = 140  # GitHub refuses a longer commit status description (422)
COMMENT_MAX = 65536  # GitHub refuses a longer issue comment body (422)
ELLIPSIS = "…"

# GitHub's rules: an owner is 1-39 letters, digits or '-'; a repository name letters, digits,
# '.', '_' or '-', never "." or "..".
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SHA = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")


class GitHubError(OutsideSystemError):
    """GitHub failed after retries, refused the token, or answered unexpectedly (exit 3).

    ``status`` is the HTTP status of a final refusal (401, 403, 404, 422...), None otherwise:
    some callers read a 404 as an answer ("branch not protected"), not a failure."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CommentResult:
    id: int
    url: str
    """The comment's web page (``html_url``), for logs and notification.json."""
    created: bool
    """True when this call posted a new comment; False when it edited the existing one."""


class CodeHost(Protocol):
    def upsert_comment(self, repo: str, number: int, marker: str, body: str) -> CommentResult:
        """Edit the comment on PR ``number`` whose body holds ``marker``, else post a new one.

        The body sent always holds ``marker``, so the next run finds the comment again.
        """

    def set_status(
        self,
        repo: str,
        sha: str,
        state: StatusState,
        context: str,
        description: str,
        target_url: str | None,
    ) -> None:
        """Set commit status ``context`` on ``sha``; a description over 140 chars is shortened."""


def check_repo(repo: str) -> tuple[str, str]:
    """``OWNER/REPO`` -> (owner, name); anything else is bad input (exit 2)."""
    owner, sep, name = repo.partition("/")
    if not sep or not _OWNER.match(owner) or not _NAME.match(name) or name in {".", ".."}:
        raise InputError(f"repository {repo!r}", field="repo", expected="OWNER/REPO")
    return owner, name


def check_number(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InputError(
            f"pull request number {number!r}", field="number", expected="a positive integer"
        )
    return number


def check_sha(sha: str) -> str:
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise InputError(f"commit {sha!r}", field="sha", expected="a full 40-hex commit id")
    return sha.lower()


def check_state(state: str) -> StatusState:
    if state not in STATUS_STATES:
        raise InputError(
            f"status state {state!r}", field="state", expected=", ".join(sorted(STATUS_STATES))
        )
    return state  # type: ignore[return-value]


def check_marker(marker: str) -> str:
    if not marker.strip():
        raise InputError(
            "empty comment marker", field="marker", expected="e.g. <!-- cipipe:gate -->"
        )
    return marker


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def with_marker(body: str, marker: str) -> str:
    """The comment body to send: ``marker`` first unless the body holds it, within GitHub's
    size limit (the marker survives shortening)."""
    if marker in body:
        return (
            body
            if len(body) <= COMMENT_MAX
            else f"{marker}\n" + shorten(body.replace(marker, ""), COMMENT_MAX - len(marker) - 1)
        )
    return f"{marker}\n" + shorten(body, COMMENT_MAX - len(marker) - 1)
