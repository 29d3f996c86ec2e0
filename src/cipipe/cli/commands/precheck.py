"""cipipe precheck: writes source.json, precheck.json and precheck.sarif."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import BuildRecord
    from cipipe.contracts.precheck import Precheck

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


def execute(state: CliState, args: PrecheckArgs) -> int:
    from cipipe.adapters.analyzers.clang_format import ClangFormat
    from cipipe.adapters.analyzers.clang_tidy import ClangTidy
    from cipipe.adapters.analyzers.cppcheck import Cppcheck
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.precheck import PrecheckRequest, SourceFlags, run_precheck

    git = GitCli(args.repo)
    config = load_repo_config(config_path(args.repo, args.config_path))
    request = PrecheckRequest(
        workdir=state.workdir.root(),  # refused as a link before the configure step logs there
        env=os.environ,
        flags=SourceFlags(args.commit, args.branch, args.pr_id, args.target_branch),
        scope=args.scope,
        builds=_previous_builds(state, args.db, config.service),
    )
    outputs = run_precheck(git, config, [ClangFormat(), Cppcheck(), ClangTidy()], request)
    with state.workdir.locked():
        state.workdir.write(outputs.source)
        state.workdir.write(outputs.precheck)
        state.workdir.write_text(SARIF_FILE, json.dumps(outputs.sarif, indent=2) + "\n")
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
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    commit: str | None,
    branch: str | None,
    pr_id: str | None,
    target_branch: str | None,
    scope: str | None,
    db: str | None,
) -> int:
    """Record the exact source and run the lightweight pre-checks (seed 2.1, 2.2).

    \b
    Reads:  the repository, Jenkins environment, .cipipe.yaml
    Writes: source.json (with the start of the change), precheck.json, precheck.sarif,
            logs/precheck-configure.log when it configures for a compilation database
    Exit 1 when a blocking check fails or a required tool is missing.
    """
    args = PrecheckArgs(repo, config_path, commit, branch, pr_id, target_branch, scope, db)
    return execute(state, args)
