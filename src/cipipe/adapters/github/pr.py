"""Which pull request a Jenkins build is for, from the GitHub Branch Source plugin's variables.

``CHANGE_ID`` is the PR number (set on PR builds only; precheck records it as ``pr_id``);
``CHANGE_URL`` is the PR's page, ``https://HOST/OWNER/REPO/pull/12``; ``GIT_URL`` (or
``GIT_URL_1``) is the clone URL, in any of git's forms. Enterprise hosts work the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from cipipe.adapters.github.interface import check_repo
from cipipe.errors import InputError

REPO_URL_VARIABLES = ("CHANGE_URL", "GIT_URL", "GIT_URL_1")


def repo_from_url(url: str) -> str | None:
    """``OWNER/REPO`` from a PR page or a clone URL; None when the URL names no repository.

    Handles ``https://HOST/O/R[.git]``, ``https://HOST/O/R/pull/N``, ``ssh://git@HOST[:P]/O/R.git``
    and the scp-like ``git@HOST:O/R.git``.
    """
    url = url.strip()
    if "://" in url:
        try:
            path = urlsplit(url).path
        except ValueError:
            return None
    elif ":" in url and not url.startswith("/"):
        path = url.split(":", 1)[1]  # scp-like: [user@]host:owner/repo.git
    else:
        return None
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) == 4 and parts[2] == "pull" and parts[3].isdigit():
        parts = parts[:2]
    if len(parts) != 2:
        return None
    repo = f"{parts[0]}/{parts[1].removesuffix('.git')}"
    try:
        check_repo(repo)
    except InputError:
        return None
    return repo


def pr_from_env(env: Mapping[str, str]) -> tuple[str, int] | None:
    """(``OWNER/REPO``, number) of the PR this build is for; None on a branch build or when no
    variable names the repository. A ``CHANGE_ID`` that is not a number is bad input."""
    change_id = (env.get("CHANGE_ID") or "").strip()
    if not change_id:
        return None
    if not change_id.isdigit() or int(change_id) < 1:
        raise InputError(
            f"CHANGE_ID={change_id!r}", field="CHANGE_ID", expected="a pull request number"
        )
    for name in REPO_URL_VARIABLES:
        value = env.get(name)
        if value and (repo := repo_from_url(value)):
            return repo, int(change_id)
    return None
