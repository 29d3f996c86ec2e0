"""RepositorySettings: the exact requests (``responses``) and real HTTP against the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from cipipe.adapters.github.client import GitHubClient
from cipipe.adapters.github.interface import GitHubError
from cipipe.adapters.github.repo_setup import RepositorySettings
from cipipe.errors import InputError
from cipipe.steps.setup_github import Desired, plan, protection_body
from tests.adapters.github.helpers import sent
from tests.support.githubserver import FakeGitHub, serve
from tests.support.sleeps import Sleeps

API = "https://api.github.com"
TOKEN = "ghp_SetupToken0123456789abcdefABCDEF"
REPO = "acme/widget"
HOOK_URL = "https://jenkins.example.com/github-webhook/"
SECRET = "whsec-0123456789"


@pytest.fixture
def settings() -> RepositorySettings:
    client = GitHubClient(API, TOKEN, attempts=3, max_wait=1.0, sleep=Sleeps())
    return RepositorySettings(client, REPO)


@responses.activate
def test_create_hook_body(settings: RepositorySettings) -> None:
    responses.post(f"{API}/repos/{REPO}/hooks", json={"id": 12345678, "name": "web"}, status=201)
    [item] = plan(Desired(HOOK_URL, SECRET), [], {})
    assert item.fix is not None and item.fix.kind == "create_hook"
    hook = settings.create_hook(item.fix.body)
    assert hook["id"] == 12345678
    assert sent(0) == {
        "name": "web",
        "active": True,
        "events": ["push", "pull_request"],
        "config": {
            "url": HOOK_URL,
            "content_type": "json",
            "insecure_ssl": "0",
            "secret": SECRET,
        },
    }
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


@responses.activate
def test_put_protection_body_for_an_unprotected_branch(settings: RepositorySettings) -> None:
    url = f"{API}/repos/{REPO}/branches/main/protection"
    responses.get(url, json={"message": "Branch not protected"}, status=404)
    responses.put(url, json={"url": url}, status=200)
    assert settings.get_protection("main") is None
    settings.put_protection("main", protection_body(None))
    assert responses.calls[1].request.method == "PUT"
    assert sent(1) == {
        "required_status_checks": {"strict": True, "checks": [{"context": "cipipe/gate"}]},
        "enforce_admins": True,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": False,
            "require_code_owner_reviews": False,
            "required_approving_review_count": 1,
            "require_last_push_approval": False,
        },
        "restrictions": None,
    }


@responses.activate
def test_put_protection_keeps_what_github_showed(settings: RepositorySettings) -> None:
    url = f"{API}/repos/{REPO}/branches/release%2F1.x/protection"
    responses.put(url, json={}, status=200)
    shown = {
        "required_status_checks": {
            "strict": False,
            "contexts": ["ci/lint", "build"],
            "checks": [{"context": "ci/lint", "app_id": None}, {"context": "build", "app_id": 7}],
        },
        "enforce_admins": {"enabled": False},
        "required_pull_request_reviews": {
            "required_approving_review_count": 0,
            "require_code_owner_reviews": True,
            "dismissal_restrictions": {"users": [{"login": "lead"}], "teams": [], "apps": []},
        },
        "restrictions": {"users": [], "teams": [{"slug": "release"}], "apps": [{"slug": "bot"}]},
        "allow_force_pushes": {"enabled": False},
        "required_conversation_resolution": {"enabled": True},
    }
    settings.put_protection("release/1.x", protection_body(shown))
    assert sent(0) == {
        "required_status_checks": {
            "strict": True,
            "checks": [
                {"context": "ci/lint"},
                {"context": "build", "app_id": 7},
                {"context": "cipipe/gate"},
            ],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": False,
            "require_code_owner_reviews": True,
            "required_approving_review_count": 1,
            "require_last_push_approval": False,
            "dismissal_restrictions": {"users": ["lead"], "teams": [], "apps": []},
        },
        "restrictions": {"users": [], "teams": ["release"], "apps": ["bot"]},
        "allow_force_pushes": False,
        "required_conversation_resolution": True,
    }


def test_put_protection_needs_the_four_keys(settings: RepositorySettings) -> None:
    with pytest.raises(InputError, match="restrictions"):
        settings.put_protection("main", {"enforce_admins": True})


def test_a_bad_repository_is_bad_input() -> None:
    with pytest.raises(InputError, match="OWNER/REPO"):
        RepositorySettings(GitHubClient(API, TOKEN), "acme")


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_repo(REPO, "develop")
    with serve(server):
        yield server


@pytest.fixture
def live(fake: FakeGitHub) -> RepositorySettings:
    client = GitHubClient(fake.url, fake.token, attempts=3, max_wait=0.1, sleep=Sleeps())
    return RepositorySettings(client, REPO)


def test_round_trip_over_http(fake: FakeGitHub, live: RepositorySettings) -> None:
    assert live.get_default_branch() == "develop"
    assert live.list_hooks() == []
    created = live.create_hook(
        {"name": "web", "events": ["push"], "config": {"url": HOOK_URL, "secret": SECRET}}
    )
    assert created["config"]["secret"] == "********"
    updated = live.update_hook(created["id"], {"events": ["push", "pull_request"]})
    assert updated["id"] == created["id"] and updated["events"] == ["push", "pull_request"]
    assert live.find_hook(HOOK_URL.rstrip("/")) == updated
    assert live.get_protection("develop") is None
    live.put_protection("develop", protection_body(None))
    shown = live.get_protection("develop")
    assert shown is not None and shown["enforce_admins"] == {"enabled": True}


def test_an_unknown_repository_fails(fake: FakeGitHub) -> None:
    client = GitHubClient(fake.url, fake.token, attempts=1)
    with pytest.raises(GitHubError, match="404"):
        RepositorySettings(client, "acme/missing").get_default_branch()


def test_a_server_error_on_get_protection_is_retried(
    fake: FakeGitHub, live: RepositorySettings
) -> None:
    fake.fail("500", "503")
    assert live.get_protection("develop") is None
    assert [s.method for s in fake.seen] == ["GET", "GET", "GET"]


def test_a_lost_create_answer_is_rechecked(fake: FakeGitHub, live: RepositorySettings) -> None:
    fake.fail("POST 502-after")
    hook = live.create_hook({"name": "web", "events": ["push"], "config": {"url": HOOK_URL}})
    assert [h["id"] for h in fake.hooks[REPO]] == [hook["id"]]
