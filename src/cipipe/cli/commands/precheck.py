"""cipipe precheck: writes source.json, precheck.json and precheck.sarif."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.precheck")

SARIF_FILE = "precheck.sarif"


@dataclass(frozen=True)
class PrecheckArgs:
    repo: Path
    config_path: Path | None = None
    commit: str | None = None
    branch: str | None = None
    pr_id: str | None = None
    target_branch: str | None = None
    scope: str | None = None


def execute(state: CliState, args: PrecheckArgs) -> int:
    from cipipe.adapters.analyzers.clang_format import ClangFormat
    from cipipe.adapters.analyzers.clang_tidy import ClangTidy
    from cipipe.adapters.analyzers.cppcheck import Cppcheck
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.precheck import SourceFlags, run_precheck

    git = GitCli(args.repo)
    config = load_repo_config(config_path(args.repo, args.config_path))
    outputs = run_precheck(
        git,
        config,
        [ClangFormat(), Cppcheck(), ClangTidy()],
        env=os.environ,
        flags=SourceFlags(args.commit, args.branch, args.pr_id, args.target_branch),
        scope=args.scope,
    )
    with state.workdir.locked():
        state.workdir.write(outputs.source)
        state.workdir.write(outputs.precheck)
        state.workdir.write_text(SARIF_FILE, json.dumps(outputs.sarif, indent=2) + "\n")
    result = outputs.precheck
    log.info("precheck %s: reports in %s", result.outcome, state.workdir.path)
    if result.outcome == "failed":
        log.error("precheck failed: %s", ", ".join(result.blocking_failures))
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


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
    help="Check all tracked C/C++ files, or only those changed against the target branch  "
    "[default: precheck.scope in .cipipe.yaml, else all]",
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
) -> int:
    """Record the exact source and run the lightweight pre-checks (seed 2.1, 2.2).

    \b
    Reads:  the repository, Jenkins environment, .cipipe.yaml
    Writes: source.json, precheck.json, precheck.sarif
    Exit 1 when a blocking check fails or a required tool is missing.
    """
    args = PrecheckArgs(repo, config_path, commit, branch, pr_id, target_branch, scope)
    return execute(state, args)
