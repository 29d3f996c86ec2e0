"""cipipe setup github over real HTTP against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cipipe.steps.setup_github import Desired, plan, protection_body, webhook_url
from tests.conftest import CliResult
from tests.support.githubserver import FakeGitHub, serve

REPO = "acme/widget"
JENKINS = "https://jenkins.example.com/"
HOOK_URL = "https://jenkins.example.com/github-webhook/"
SECRET = "whsec-Sup3rS3cretValue-42"

Cli = Callable[..., CliResult]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_repo(REPO, "main")
    for name in ("GITHUB_API_URL", "CIPIPE_GITHUB_API_URL", "CIPIPE_GITHUB_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", server.token)
    with serve(server):
        yield server


def setup(cli: Cli, fake: FakeGitHub, *extra: str) -> CliResult:
    return cli(
        "setup", "github", "--repo", REPO, "--jenkins-url", JENKINS, "--api", fake.url, *extra
    )


def marks(result: CliResult) -> list[str]:
    return [line[0] for line in result.stdout.splitlines() if line[:1] in ("✓", "✗")]


def good_protection(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "required_status_checks": {"strict": True, "contexts": ["cipipe/gate"]},
        "enforce_admins": True,
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "restrictions": None,
    }
    return {**body, **changes}


def test_a_bare_repository_reports_everything_missing(cli: Cli, fake: FakeGitHub) -> None:
    result = setup(cli, fake)
    assert result.exit_code == 1, result.stderr
    assert marks(result) == ["✗"] * 4
    assert f"✗ webhook {HOOK_URL}: missing" in result.stdout
    assert "✗ main: cipipe/gate required: branch not protected" in result.stdout
    assert "--apply" in result.stdout
    assert fake.writes() == []
    assert fake.hooks[REPO] == [] and fake.protections == {}


def test_apply_creates_then_a_check_finds_all_in_place(cli: Cli, fake: FakeGitHub) -> None:
    applied = setup(cli, fake, "--apply")
    assert applied.exit_code == 0, applied.stderr
    assert "verified" in applied.stdout
    [hook] = fake.hooks[REPO]
    assert hook["active"] is True
    assert hook["events"] == ["push", "pull_request"]
    assert hook["config"]["url"] == HOOK_URL
    assert hook["config"]["content_type"] == "json"
    shown = fake.protections[(REPO, "main")]
    assert shown["required_status_checks"]["strict"] is True
    assert "cipipe/gate" in shown["required_status_checks"]["contexts"]
    assert shown["required_pull_request_reviews"]["required_approving_review_count"] == 1
    assert shown["enforce_admins"] == {"enabled": True}
    assert [s.method for s in fake.writes()] == ["POST", "PUT"]

    fake.seen.clear()
    again = setup(cli, fake)
    assert again.exit_code == 0, again.stderr
    assert marks(again) == ["✓"] * 4
    assert "all in place" in again.stdout
    assert fake.writes() == []
    again_apply = setup(cli, fake, "--apply")
    assert again_apply.exit_code == 0 and fake.writes() == []


def test_a_hook_with_wrong_events_is_updated_in_place(cli: Cli, fake: FakeGitHub) -> None:
    hook_id = fake.add_hook(
        REPO,
        {"name": "web", "events": ["push"], "config": {"url": HOOK_URL, "content_type": "json"}},
    )
    fake.protect(REPO, "main", good_protection())
    checked = setup(cli, fake)
    assert checked.exit_code == 1
    assert f"✗ webhook {HOOK_URL}: hook {hook_id}: events lack pull_request" in checked.stdout
    assert fake.writes() == []

    result = setup(cli, fake, "--apply")
    assert result.exit_code == 0, result.stderr
    [patch] = fake.writes()
    assert (patch.method, patch.path) == ("PATCH", f"/repos/{REPO}/hooks/{hook_id}")
    assert patch.body == {"active": True, "events": ["push", "pull_request"]}  # config kept
    [hook] = fake.hooks[REPO]
    assert hook["id"] == hook_id and hook["events"] == ["push", "pull_request"]


def test_a_form_hook_gets_json_and_keeps_its_other_events(cli: Cli, fake: FakeGitHub) -> None:
    fake.add_hook(REPO, {"events": ["pull_request", "create"], "config": {"url": HOOK_URL}})
    fake.protect(REPO, "main", good_protection())
    assert setup(cli, fake, "--apply").exit_code == 0
    [hook] = fake.hooks[REPO]
    assert hook["events"] == ["pull_request", "create", "push"]
    assert hook["config"]["content_type"] == "json"


def test_the_gate_is_added_and_other_settings_kept(cli: Cli, fake: FakeGitHub) -> None:
    config = {"url": HOOK_URL, "content_type": "json"}
    fake.add_hook(REPO, {"events": ["push", "pull_request"], "config": config})
    fake.protect(
        REPO,
        "main",
        good_protection(
            required_status_checks={
                "strict": True,
                "checks": [{"context": "ci/lint"}, {"context": "build", "app_id": 15368}],
            },
            required_pull_request_reviews={
                "required_approving_review_count": 2,
                "dismiss_stale_reviews": True,
            },
            restrictions={"users": ["octocat"], "teams": ["release"]},
            required_linear_history=True,
        ),
    )
    checked = setup(cli, fake)
    assert checked.exit_code == 1
    assert "✗ main: cipipe/gate required: cipipe/gate not among ['ci/lint', 'build']" in (
        checked.stdout
    )
    assert "✓ main: pull requests required: 2 approving reviews required" in checked.stdout

    assert setup(cli, fake, "--apply").exit_code == 0
    [put] = fake.writes()
    assert put.body["required_status_checks"] == {
        "strict": True,
        "checks": [
            {"context": "ci/lint"},
            {"context": "build", "app_id": 15368},
            {"context": "cipipe/gate"},
        ],
    }
    assert put.body["required_pull_request_reviews"]["required_approving_review_count"] == 2
    assert put.body["required_pull_request_reviews"]["dismiss_stale_reviews"] is True
    assert put.body["restrictions"] == {"users": ["octocat"], "teams": ["release"], "apps": []}
    assert put.body["required_linear_history"] is True
    shown = fake.protections[(REPO, "main")]
    assert shown["required_status_checks"]["contexts"] == ["ci/lint", "build", "cipipe/gate"]


def test_branches_given_are_protected_instead_of_the_default(cli: Cli, fake: FakeGitHub) -> None:
    result = setup(cli, fake, "--branch", "main", "--branch", "release/1.x", "--apply")
    assert result.exit_code == 0, result.stderr
    assert set(fake.protections) == {(REPO, "main"), (REPO, "release/1.x")}
    assert not any(s.path == f"/repos/{REPO}" for s in fake.seen)  # no default-branch lookup


def test_the_default_branch_comes_from_the_repository(cli: Cli, fake: FakeGitHub) -> None:
    fake.repos[REPO] = "trunk"
    result = setup(cli, fake)
    assert "✗ trunk: admins included: branch not protected" in result.stdout


def test_github_enterprise_path_prefix(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeGitHub(prefix="/api/v3")
    server.add_repo(REPO)
    monkeypatch.setenv("GITHUB_TOKEN", server.token)
    with serve(server):
        assert server.url.endswith("/api/v3")
        assert setup(cli, server, "--apply").exit_code == 0
        assert setup(cli, server).exit_code == 0
    assert server.seen and all(s.path.startswith("/api/v3/repos/") for s in server.seen)


def test_a_server_error_is_retried(cli: Cli, fake: FakeGitHub) -> None:
    fake.fail("502", "PUT 500")
    result = setup(cli, fake, "--apply")
    assert result.exit_code == 0, result.stderr
    assert [s.method for s in fake.seen].count("PUT") == 2
    assert (REPO, "main") in fake.protections
    assert len(fake.hooks[REPO]) == 1


def test_a_lost_create_answer_does_not_duplicate_the_hook(cli: Cli, fake: FakeGitHub) -> None:
    fake.fail("POST 502-after")
    assert setup(cli, fake, "--apply").exit_code == 0
    assert len(fake.hooks[REPO]) == 1


def test_the_secret_is_sent_in_config_and_never_shown(
    cli: Cli, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_GITHUB_WEBHOOK_SECRET", SECRET)
    result = cli("-vv", "setup", "github", "--repo", REPO, "--jenkins-url", JENKINS,
                 "--api", fake.url, "--apply")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [post] = [s for s in fake.seen if s.method == "POST"]
    assert post.body["config"]["secret"] == SECRET
    [hook] = fake.hooks[REPO]
    assert fake.hook_secrets[hook["id"]] == SECRET
    assert SECRET not in result.stdout + result.stderr
    assert all(SECRET not in arg for s in fake.seen for arg in (s.path, str(s.query)))


def test_a_secret_is_added_to_a_hook_that_has_none(
    cli: Cli, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook_id = fake.add_hook(
        REPO,
        {"events": ["push", "pull_request"], "config": {"url": HOOK_URL, "content_type": "json"}},
    )
    fake.protect(REPO, "main", good_protection())
    monkeypatch.setenv("CIPIPE_GITHUB_WEBHOOK_SECRET", SECRET)
    checked = setup(cli, fake)
    assert checked.exit_code == 1 and "no secret" in checked.stdout
    assert setup(cli, fake, "--apply").exit_code == 0
    assert fake.hook_secrets[hook_id] == SECRET
    assert setup(cli, fake).exit_code == 0  # "********" counts as set


def test_without_github_token_exit_2(
    cli: Cli, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = setup(cli, fake)
    assert result.exit_code == 2
    assert "GITHUB_TOKEN" in result.stderr
    assert fake.seen == []


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--repo", "not-a-repo", "--jenkins-url", JENKINS], "repo"),
        (["--repo", REPO, "--jenkins-url", "jenkins.example.com"], "--jenkins-url"),
    ],
)
def test_bad_input_exit_2(cli: Cli, fake: FakeGitHub, argv: list[str], named: str) -> None:
    result = cli("setup", "github", *argv, "--api", fake.url)
    assert result.exit_code == 2 and named in result.stderr
    assert fake.seen == []


def test_a_refused_token_exits_3(cli: Cli, fake: FakeGitHub) -> None:
    fake.fail("401")
    result = setup(cli, fake)
    assert result.exit_code == 3
    assert fake.token not in result.stderr


@pytest.mark.parametrize(
    "given",
    [
        "https://jenkins.example.com",
        "https://jenkins.example.com/",
        "https://jenkins.example.com/github-webhook",
        "https://jenkins.example.com/github-webhook/",
    ],
)
def test_webhook_url(given: str) -> None:
    assert webhook_url(given) == HOOK_URL
    assert (
        webhook_url("http://ci.local:8080/jenkins")
        == "http://ci.local:8080/jenkins/github-webhook/"
    )


def test_plan_is_pure_and_in_place_when_all_is_right() -> None:
    hook = {"id": 7, "active": True, "events": ["push", "pull_request"],
            "config": {"url": HOOK_URL, "content_type": "json"}}  # fmt: skip
    shown = {
        "required_status_checks": {"strict": True, "contexts": ["cipipe/gate"], "checks": []},
        "enforce_admins": {"enabled": True},
        "required_pull_request_reviews": {"required_approving_review_count": 1},
    }
    items = plan(Desired(HOOK_URL), [hook], {"main": shown})
    assert all(item.ok and item.fix is None for item in items)
    assert protection_body(shown)["required_status_checks"]["checks"] == [
        {"context": "cipipe/gate"}
    ]
    assert "secret" not in repr(Desired(HOOK_URL, SECRET)) and SECRET not in repr(
        plan(Desired(HOOK_URL, SECRET), [], {})
    )
