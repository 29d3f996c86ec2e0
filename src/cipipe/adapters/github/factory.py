"""The GitHub a command talks to, from the environment: none without a token.

The token comes from ``GITHUB_TOKEN`` only (Jenkins binds it with ``withCredentials``), never
from argv. The API base: the ``api_url`` argument (a CLI flag), else ``CIPIPE_GITHUB_API_URL``,
else ``GITHUB_API_URL`` (what GitHub Actions sets), else https://api.github.com; an Enterprise
server is ``https://HOST/api/v3``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cipipe.adapters.github.rest import GitHubRest

DEFAULT_API_URL = "https://api.github.com"
API_URL_VARIABLES = ("CIPIPE_GITHUB_API_URL", "GITHUB_API_URL")


def github_api_url(env: Mapping[str, str], api_url: str | None = None) -> str:
    for value in (api_url, *(env.get(name) for name in API_URL_VARIABLES)):
        if value and value.strip():
            return value.strip().rstrip("/")
    return DEFAULT_API_URL


def github_from_env(
    env: Mapping[str, str], api_url: str | None = None, **options: Any
) -> GitHubRest | None:
    """A client for the configured GitHub; None when ``GITHUB_TOKEN`` is unset or empty."""
    token = env.get("GITHUB_TOKEN")
    if not token:
        return None
    from cipipe.adapters.github.rest import GitHubRest

    return GitHubRest(github_api_url(env, api_url), token.strip(), **options)
