"""github_from_env and pr_from_env: what the environment (Jenkins) says."""

from __future__ import annotations

import pytest

from cipipe.adapters.github.factory import DEFAULT_API_URL, github_from_env
from cipipe.adapters.github.pr import pr_from_env, repo_from_url
from cipipe.errors import InputError

TOKEN = "ghp_FactoryToken0123456789"


def test_no_token_no_client() -> None:
    assert github_from_env({}) is None
    assert github_from_env({"GITHUB_TOKEN": ""}) is None


@pytest.mark.parametrize(
    ("env", "argument", "expected"),
    [
        ({}, None, DEFAULT_API_URL),
        (
            {"GITHUB_API_URL": "https://ghe.example.com/api/v3/"},
            None,
            "https://ghe.example.com/api/v3",
        ),
        (
            {"GITHUB_API_URL": "https://a/api/v3", "CIPIPE_GITHUB_API_URL": "https://b/api/v3"},
            None,
            "https://b/api/v3",
        ),
        ({"CIPIPE_GITHUB_API_URL": "https://b/api/v3"}, "https://c/api/v3", "https://c/api/v3"),
    ],
)
def test_api_url_order(env: dict[str, str], argument: str | None, expected: str) -> None:
    github = github_from_env({**env, "GITHUB_TOKEN": TOKEN}, argument)
    assert github is not None
    assert github.api_url == expected
    assert TOKEN not in repr(github)


def test_bad_api_url_is_bad_input() -> None:
    with pytest.raises(InputError, match="GitHub API URL"):
        github_from_env({"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "ghe.example.com"})


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/acme/widget/pull/12", "acme/widget"),
        ("https://ghe.example.com/acme/widget/pull/12/", "acme/widget"),
        ("https://github.com/acme/widget.git", "acme/widget"),
        ("https://user:secret@github.com/acme/widget", "acme/widget"),
        ("git@github.com:acme/widget.git", "acme/widget"),
        ("ssh://git@ghe.example.com:7999/acme/widget.git", "acme/widget"),
        ("https://github.com/acme", None),
        ("https://github.com/acme/widget/tree/main", None),
        ("/srv/git/widget.git", None),
        ("", None),
    ],
)
def test_repo_from_url(url: str, repo: str | None) -> None:
    assert repo_from_url(url) == repo


def test_pr_from_jenkins_change_url() -> None:
    env = {
        "CHANGE_ID": "12",
        "CHANGE_URL": "https://github.com/acme/widget/pull/12",
        "GIT_URL": "https://github.com/fork/other.git",
    }
    assert pr_from_env(env) == ("acme/widget", 12)


def test_pr_from_git_url_when_change_url_is_missing() -> None:
    assert pr_from_env({"CHANGE_ID": "7", "GIT_URL": "git@ghe.example.com:acme/widget.git"}) == (
        "acme/widget",
        7,
    )
    assert pr_from_env({"CHANGE_ID": "7", "GIT_URL_1": "https://github.com/a/b"}) == ("a/b", 7)


def test_no_pr() -> None:
    assert pr_from_env({"GIT_URL": "https://github.com/acme/widget.git"}) is None
    assert pr_from_env({"CHANGE_ID": "7"}) is None


@pytest.mark.parametrize("change_id", ["PR-7", "0", "7.2"])
def test_bad_change_id_is_bad_input(change_id: str) -> None:
    with pytest.raises(InputError, match="CHANGE_ID"):
        pr_from_env({"CHANGE_ID": change_id, "GIT_URL": "https://github.com/a/b"})
