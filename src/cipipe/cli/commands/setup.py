"""cipipe setup: check, and with --apply fix, what a code host needs for the pipeline."""

from __future__ import annotations

import logging
import os

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode, InputError

log = logging.getLogger("cipipe.setup")


@click.group("setup")
def command() -> None:
    """Check or fix a code host's settings for the pipeline."""


@command.command("github")
@click.option("--repo", "repo", required=True, help="The GitHub repository, OWNER/NAME")
@click.option(
    "--jenkins-url",
    required=True,
    help="Jenkins' root URL; the webhook goes to <jenkins-url>/github-webhook/",
)
@click.option(
    "--branch",
    "branches",
    multiple=True,
    help="A branch to protect (repeatable)  [default: the repository's default branch]",
)
@click.option("--apply", "apply_fixes", is_flag=True, help="Make the changes, then verify them")
@click.option(
    "--api",
    "api_url",
    help="GitHub API base, e.g. https://ghe.example.com/api/v3  [env: CIPIPE_GITHUB_API_URL; "
    "default: https://api.github.com]",
)
@click.pass_obj
def github_command(
    state: CliState,
    repo: str,
    jenkins_url: str,
    branches: tuple[str, ...],
    apply_fixes: bool,
    api_url: str | None,
) -> int:
    """Check the Jenkins webhook and the branch protection of a GitHub repository.

    \b
    Webhook: <jenkins-url>/github-webhook/, events push and pull_request, JSON, active; its
             secret from CIPIPE_GITHUB_WEBHOOK_SECRET when set
    Branches: pull requests with at least one approving review, the cipipe/gate check
             required on an up-to-date branch, administrators included
    Needs GITHUB_TOKEN (admin on the repository). Prints one line per item; exit 1 when
    something differs. With --apply: makes the changes, re-reads them, and exits 0.
    """
    from cipipe.adapters.github.factory import github_from_env
    from cipipe.adapters.github.interface import GitHubError, check_repo
    from cipipe.adapters.github.repo_setup import RepositorySettings
    from cipipe.steps.setup_github import SECRET_VARIABLE, Desired, apply, check, webhook_url

    check_repo(repo)
    desired = Desired(webhook_url(jenkins_url), os.environ.get(SECRET_VARIABLE) or None)
    client = github_from_env(os.environ, api_url)
    if client is None:
        raise InputError(
            "GITHUB_TOKEN is not set", field="GITHUB_TOKEN", expected="a token with admin rights"
        )
    settings = RepositorySettings(client, repo)
    wanted = list(dict.fromkeys(b.strip() for b in branches)) or [settings.get_default_branch()]
    items = check(settings, desired, wanted)
    for item in items:
        click.echo(f"{'✓' if item.ok else '✗'} {item.name}: {item.detail}")
    if all(item.ok for item in items):
        click.echo(f"{repo}: all in place")
        return int(ExitCode.OK)
    if not apply_fixes:
        click.echo(f"{repo}: {sum(not i.ok for i in items)} to fix (rerun with --apply)")
        return int(ExitCode.REJECTED)
    for done in apply(settings, items):
        click.echo(done)
    after = check(settings, desired, wanted)
    still = [item for item in after if not item.ok]
    if still:
        raise GitHubError(
            f"after the changes GitHub still shows for {repo}: "
            + "; ".join(f"{i.name}: {i.detail}" for i in still)
        )
    click.echo(f"{repo}: all in place (verified)")
    return int(ExitCode.OK)
