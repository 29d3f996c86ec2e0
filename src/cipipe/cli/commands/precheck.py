"""cipipe precheck: writes source.json, precheck.json and precheck.sarif."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.adapters.github.rest import GitHubRest
    from cipipe.adapters.history.interface import BuildRecord
    from cipipe.contracts.precheck import Precheck
    from cipipe.contracts.source import Source

log = logging.getLogger("cipipe.precheck")

SARIF_FILE = "precheck.sarif"
# The newest builds of the service searched for the branch's last successful one.
PREVIOUS_BUILDS_LOOKED_AT = 200


@dataclass(frozen=True)
class PrecheckArgs:
    repo: Path
    config_path: Path | None = None
    commit: str | None = None
    branch: str | None = None
    pr_id: str | None = None
    target_branch: str | None = None
    scope: str | None = None
    db: str | None = None
    sarif_category: str | None = None
    upload_sarif: bool = False
    sarif_ref: str | None = None
    github_repo: str | None = None
    github_api: str | None = None


def _previous_builds(state: CliState, db: str | None, service: str) -> list[BuildRecord]:
    """The service's builds in the history store, newest first; none when no store is
    configured (no --db, no CIPIPE_DB and no SQLite file beside the work folder yet), so a
    precheck never creates one."""
    from cipipe.cli.inputs import history_store

    default = state.workdir.path.resolve().parent / "cipipe-history.sqlite3"
    if not (db or os.environ.get("CIPIPE_DB") or default.is_file()):
        return []
    store = history_store(state, db)
    try:
        return store.builds(service, limit=PREVIOUS_BUILDS_LOOKED_AT)
    finally:
        store.close()


def _code_host(args: PrecheckArgs) -> GitHubRest | None:
    """The GitHub that receives precheck.sarif (--upload-sarif), checked before any work:
    without GITHUB_TOKEN, or with a bad --sarif-ref or --github-repo, nothing runs (exit 2)."""
    if not args.upload_sarif:
        return None
    from cipipe.adapters.github.code_scanning import check_ref
    from cipipe.adapters.github.factory import github_from_env
    from cipipe.adapters.github.interface import check_repo
    from cipipe.errors import InputError

    if args.sarif_ref is not None:
        check_ref(args.sarif_ref)
    if args.github_repo is not None:
        check_repo(args.github_repo)
    host = github_from_env(os.environ, args.github_api)
    if host is None:
        raise InputError(
            "--upload-sarif without GITHUB_TOKEN",
            field="GITHUB_TOKEN",
            expected="a token with the security_events scope in the environment",
        )
    return host


def _upload(host: GitHubRest, args: PrecheckArgs, source: Source, sarif: dict[str, Any]) -> None:
    from cipipe.adapters.github.code_scanning import ref_of, upload_sarif
    from cipipe.adapters.github.pr import pr_from_env, repo_from_url
    from cipipe.errors import InputError

    found = pr_from_env(os.environ)
    repo = (
        args.github_repo
        or (found[0] if found else None)
        or (repo_from_url(source.repo_url) if source.repo_url else None)
    )
    if repo is None:
        raise InputError(
            "--upload-sarif: no GitHub repository in --github-repo, CHANGE_URL, GIT_URL or the "
            "remote URL",
            field="--github-repo",
            expected="OWNER/NAME",
        )
    ref = args.sarif_ref or ref_of(source)
    done = upload_sarif(host, repo, commit=source.commit, ref=ref, log=sarif)
    log.info("%s uploaded to GitHub code scanning of %s (%s): %s", SARIF_FILE, repo, ref, done.id)


def execute(state: CliState, args: PrecheckArgs) -> int:
    from cipipe.adapters.analyzers.clang_format import ClangFormat
    from cipipe.adapters.analyzers.clang_tidy import ClangTidy
    from cipipe.adapters.analyzers.cppcheck import Cppcheck
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.formats.sarif import automation_id
    from cipipe.steps.precheck import PrecheckRequest, SourceFlags, run_precheck

    if args.sarif_category is not None:
        automation_id(args.sarif_category)  # a bad category stops before any work
    host = _code_host(args)
    git = GitCli(args.repo)
    config = load_repo_config(config_path(args.repo, args.config_path))
    request = PrecheckRequest(
        workdir=state.workdir.root(),  # refused as a link before the configure step logs there
        env=os.environ,
        flags=SourceFlags(args.commit, args.branch, args.pr_id, args.target_branch),
        scope=args.scope,
        builds=_previous_builds(state, args.db, config.service),
        sarif_category=args.sarif_category,
    )
    outputs = run_precheck(git, config, [ClangFormat(), Cppcheck(), ClangTidy()], request)
    with state.workdir.locked():
        state.workdir.write(outputs.source)
        state.workdir.write(outputs.precheck)
        state.workdir.write_text(SARIF_FILE, json.dumps(outputs.sarif, indent=2) + "\n")
    if host is not None:
        _upload(host, args, outputs.source, outputs.sarif)
    result = outputs.precheck
    log.info("precheck %s: reports in %s", result.outcome, state.workdir.path)
    if result.outcome == "failed":
        log.error("precheck failed: %s", ", ".join(result.blocking_failures))
        return int(ExitCode.REJECTED)
    if result.attention:
        # What the static-analysis and formatting gates will call a warning.
        log.warning("precheck passed, needs attention: %s", _attention(result))
    return int(ExitCode.OK)


def _attention(result: Precheck) -> str:
    by_name = {c.name: c for c in result.checks}
    return "; ".join(f"{name} ({by_name[name].reason}; not blocking)" for name in result.attention)


@click.command("precheck")
@repo_options
@click.option("--commit", help="Commit to record  [default: HEAD]")
@click.option("--branch", help="Branch name, when git and Jenkins cannot tell")
@click.option("--pr", "pr_id", help="Pull request id  [Jenkins: CHANGE_ID]")
@click.option("--target-branch", help="PR target branch  [Jenkins: CHANGE_TARGET]")
@click.option(
    "--scope",
    type=click.Choice(["all", "changed"]),
    default=None,
    help="Check all tracked C/C++ files, or only those changed since the start of the change "
    "(a PR's merge base, else the branch's last successful build, else the parent)  "
    "[default: precheck.scope in .cipipe.yaml, else changed for a pull request (CHANGE_ID, "
    "CHANGE_TARGET, --pr, --target-branch, GITHUB_EVENT_NAME=pull_request), else all]",
)
@click.option(
    "--db",
    help="History store, for the branch's last successful build  [env: CIPIPE_DB; default: "
    "the SQLite file beside the work folder, when there is one]",
)
@click.option(
    "--sarif-category",
    metavar="NAME",
    help="GitHub code scanning category: every run of precheck.sarif gets automationDetails.id "
    "NAME/ (one analysis per tool and category; give each job that uploads its own)  "
    "[default: cipipe/precheck/<check>/]",
)
@click.option(
    "--upload-sarif",
    is_flag=True,
    help="Upload precheck.sarif to GitHub code scanning for the commit (token: GITHUB_TOKEN "
    "with security_events)",
)
@click.option(
    "--sarif-ref",
    metavar="REF",
    help="The ref of the upload  [default: refs/pull/<pr>/head, else refs/heads/<branch>]",
)
@click.option("--github-repo", help="OWNER/NAME  [default: from CHANGE_URL / GIT_URL / remote]")
@click.option(
    "--github-api",
    help="GitHub API base, e.g. https://ghe.example.com/api/v3  [env: CIPIPE_GITHUB_API_URL; "
    "default: https://api.github.com]",
)
@click.pass_obj
def command(
    state: CliState,
    /,
    repo: Path,
    config_path: Path | None,
    commit: str | None,
    branch: str | None,
    pr_id: str | None,
    target_branch: str | None,
    scope: str | None,
    db: str | None,
    **github: Any,
) -> int:
    """Record the exact source and run the lightweight pre-checks (seed 2.1, 2.2).

    \b
    Reads:  the repository, Jenkins environment, .cipipe.yaml
    Writes: source.json (with the start of the change), precheck.json, precheck.sarif,
            logs/precheck-configure.log when it configures for a compilation database;
            with --upload-sarif, precheck.sarif to GitHub code scanning
    Exit 1 when a blocking check fails or a required tool is missing; 3 when the upload
    fails after retries (the files are written).
    """
    args = PrecheckArgs(
        repo, config_path, commit, branch, pr_id, target_branch, scope, db, **github
    )
    return execute(state, args)
