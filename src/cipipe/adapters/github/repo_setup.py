"""Repository settings over GitHub's REST API: the default branch, webhooks, branch protection.

What ``cipipe setup github`` reads and writes (docs.github.com/rest, API version 2022-11-28):

- ``GET /repos/{owner}/{repo}`` (``default_branch``)
- ``GET /repos/{owner}/{repo}/hooks`` (Link pages); ``POST /repos/{owner}/{repo}/hooks``
  ``{"name": "web", "active", "events", "config": {"url", "content_type", "insecure_ssl",
  "secret"}}``; ``PATCH /repos/{owner}/{repo}/hooks/{hook_id}`` with the fields to change.
  GitHub never answers a secret: a hook that has one shows ``config.secret`` as ``********``.
- ``GET /repos/{owner}/{repo}/branches/{branch}/protection`` (404 "Branch not protected" when
  the branch has none); ``PUT`` the same path with the whole protection: GitHub requires
  ``required_status_checks``, ``enforce_admins``, ``required_pull_request_reviews`` and
  ``restrictions``, each of which may be null (off), and replaces what was there.

Each call goes through ``GitHubClient.request`` or ``pages``: the same retries, the same token
handling, the same errors (exit 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from cipipe.adapters.github.client import GitHubClient
from cipipe.adapters.github.interface import GitHubError, check_repo
from cipipe.errors import InputError

Hook = dict[str, Any]
Protection = dict[str, Any]


class RepositorySettings:
    """The settings of one repository ``OWNER/NAME`` on the GitHub ``client`` talks to."""

    def __init__(self, client: GitHubClient, repo: str) -> None:
        self.owner, self.name = check_repo(repo)
        self.repo = f"{self.owner}/{self.name}"
        self._client = client
        self._base = f"/repos/{self.owner}/{self.name}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r}, {self.repo!r})"

    def get_default_branch(self) -> str:
        data = self._client.request("GET", self._base, what=f"repository {self.repo}")
        branch = data.get("default_branch") if isinstance(data, dict) else None
        if not isinstance(branch, str) or not branch:
            raise GitHubError(f"GitHub answered repository {self.repo} without a default_branch")
        return branch

    def list_hooks(self) -> list[Hook]:
        what = f"webhooks of {self.repo}"
        hooks = list(self._client.pages(f"{self._base}/hooks", what=what))
        if not all(isinstance(h, dict) and _is_id(h.get("id")) for h in hooks):
            raise GitHubError(f"GitHub answered the {what} with an entry that has no id")
        return hooks

    def find_hook(self, url: str) -> Hook | None:
        """The hook whose ``config.url`` is ``url`` (ignoring a trailing slash), if any."""
        wanted = url.rstrip("/")
        for hook in self.list_hooks():
            config = hook.get("config")
            if isinstance(config, dict) and str(config.get("url", "")).rstrip("/") == wanted:
                return hook
        return None

    def create_hook(self, body: Mapping[str, Any]) -> Hook:
        """POST a hook; after a lost answer, a hook with the same URL counts as created."""
        url = str(body.get("config", {}).get("url", ""))
        created = self._client.request(
            "POST",
            f"{self._base}/hooks",
            json=body,
            what=f"webhooks of {self.repo}",
            recheck=lambda: self.find_hook(url),
        )
        return _hook(created, f"the new webhook of {self.repo}")

    def update_hook(self, hook_id: int, body: Mapping[str, Any]) -> Hook:
        if not _is_id(hook_id):
            raise InputError(f"webhook id {hook_id!r}", field="hook_id", expected="an integer")
        updated = self._client.request(
            "PATCH",
            f"{self._base}/hooks/{hook_id}",
            json=body,
            what=f"webhook {hook_id} of {self.repo}",
        )
        return _hook(updated, f"webhook {hook_id} of {self.repo}")

    def get_protection(self, branch: str) -> Protection | None:
        """The branch's protection as GitHub shows it; None when the branch has none."""
        try:
            data = self._client.request(
                "GET", self._protection_path(branch), what=self._protection_what(branch)
            )
        except GitHubError as exc:
            # GET protection answers 404 for an unprotected branch: an answer, not a failure.
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict):
            raise GitHubError(f"GitHub answered {self._protection_what(branch)} with no object")
        return data

    def put_protection(self, branch: str, body: Mapping[str, Any]) -> Protection:
        missing = [key for key in PUT_REQUIRED if key not in body]
        if missing:
            raise InputError(
                f"branch protection body without {', '.join(missing)}",
                field="protection",
                expected="all of " + ", ".join(PUT_REQUIRED) + " (null allowed)",
            )
        data = self._client.request(
            "PUT", self._protection_path(branch), json=body, what=self._protection_what(branch)
        )
        return data if isinstance(data, dict) else {}

    def _protection_path(self, branch: str) -> str:
        if not branch or branch != branch.strip():
            raise InputError(f"branch {branch!r}", field="branch", expected="a branch name")
        return f"{self._base}/branches/{quote(branch, safe='')}/protection"

    def _protection_what(self, branch: str) -> str:
        return f"branch protection of {branch} in {self.repo}"


PUT_REQUIRED = (
    "required_status_checks",
    "enforce_admins",
    "required_pull_request_reviews",
    "restrictions",
)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _hook(data: Any, what: str) -> Hook:
    if not isinstance(data, dict) or not _is_id(data.get("id")):
        raise GitHubError(f"GitHub answered {what} without an id")
    return data
