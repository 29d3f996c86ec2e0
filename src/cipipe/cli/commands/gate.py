"""cipipe gate: passed, needs-attention or rejected, from the reports in the work folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, pull_request_options, repo_options, store_options
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.steps.gate import PullRequest

log = logging.getLogger("cipipe.gate")


def pull_request(
    env: Any, repo_url: str | None, pr: int | None, repo: str | None
) -> PullRequest | None:
    """--github-repo/--pr, else Jenkins' CHANGE_* variables, else the repository URL (a
    branch build: only the commit status)."""
    from cipipe.adapters.github.pr import pr_from_env, repo_from_url
    from cipipe.steps.gate import PullRequest

    found = pr_from_env(env)
    slug = repo or (found[0] if found else None) or (repo_from_url(repo_url) if repo_url else None)
    if slug is None:
        return None
    if pr is not None:
        return PullRequest(slug, pr)
    if found is not None and found[0] == slug:
        return PullRequest(slug, found[1])
    # CHANGE_ID without a CHANGE_URL / GIT_URL: the pull request of the repository built.
    change = str(env.get("CHANGE_ID", "")).strip()
    from_source = repo is None and found is None
    return PullRequest(slug, int(change) if from_source and change.isdigit() else None)


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    target: str | None = None,
    via: str = "rest",
    repository: str = "candidates",
    github_repo: str | None = None,
    pr: int | None = None,
    github_api: str | None = None,
) -> int:
    from cipipe.adapters.github.factory import github_from_env
    from cipipe.cli.inputs import build_label, candidate_store
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.matrix import Matrix
    from cipipe.contracts.precheck import Precheck
    from cipipe.contracts.publish import PublishReport
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.contracts.scan import ScanReport
    from cipipe.contracts.source import Source
    from cipipe.contracts.testing import TestsReport
    from cipipe.fileio import atomic_write_text
    from cipipe.steps.gate import gate_junit, judge, tell
    from cipipe.steps.gate.evaluate import GateInputs

    work = state.workdir
    config = load_repo_config(config_path(repo, config_file))
    source = work.read(Source, produced_by="precheck")

    inputs = GateInputs(
        config=config,
        precheck=work.read_optional(Precheck),
        tests=work.read_optional(TestsReport),
        scan=work.read_optional(ScanReport),
        artifacts=work.read_optional(Artifacts),
        matrix=work.read_optional(Matrix),
    )
    report = judge(inputs, source, build_label(state, None, source))

    open_store = candidate_store(state, target, via, repository)

    host = github_from_env(os.environ, github_api)
    where = pull_request(os.environ, source.repo_url, pr, github_repo) if host else None
    if host is not None and where is None:
        log.warning("GITHUB_TOKEN is set but the repository is unknown: give --github-repo")
    report = tell(
        report,
        published=work.read_optional(PublishReport),
        open_store=open_store,
        host=host,
        pull_request=where,
        env=os.environ,
    )
    with work.locked():
        atomic_write_text(work.path / report.junit, gate_junit(report), root=work.path)
        work.write(report)
    for gate in report.gates:
        log.info("%-18s %-8s %s", gate.name, gate.status, gate.reason)
    log.info("%s", report.summary)
    return int(ExitCode.REJECTED if report.verdict == "rejected" else ExitCode.OK)


@click.command("gate")
@repo_options
@store_options("the candidate")
@pull_request_options
@click.pass_obj
def command(state: CliState, /, repo: Path, config_path: Path | None, **options: Any) -> int:
    """Judge the build: passed, needs-attention or rejected (exit 1), with each gate's reason.

    \b
    Reads:  matrix.json and artifacts.json (every planned platform built, unless optional),
            precheck.json, tests.json, scan.json, publish.json, .cipipe.yaml (gate policy);
            a missing report fails its mandatory gate (fail closed)
    Writes: gate.json, reports/junit-gates.xml; on rejection state=rejected on the published
            files; with GITHUB_TOKEN the commit status cipipe/gate and one PR comment,
            updated in place on reruns
    """
    return execute(state, repo, config_path, **options)
