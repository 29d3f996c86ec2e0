"""cipipe build-info: writes build-info.json, build-info.jfrog.json and risk-inputs.json."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, identifier, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.build-info")
JFROG_FILE = "build-info.jfrog.json"


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    base: str | None = None,
    build_id: str | None = None,
    db: str | None = None,
) -> int:
    from cipipe.adapters.git.cli import GitCli
    from cipipe.cli.inputs import build_label, history_store, reports_in
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.build_info.run import run_build_info

    config = load_repo_config(config_path(repo, config_file))
    reports = reports_in(state)
    label = build_label(state, build_id, reports.source)  # checked before the store is opened
    store = history_store(state, db)
    try:
        outputs = run_build_info(
            GitCli(repo),
            reports,
            config,
            build_id=label,
            env=os.environ,
            base=base,
            store=store,
            now=datetime.now(UTC),
            masker=state.masker,
        )
    finally:
        store.close()
    with state.workdir.locked():
        state.workdir.write(outputs.build_info)
        state.workdir.write_text(JFROG_FILE, json.dumps(outputs.jfrog, indent=2) + "\n")
        state.workdir.write(outputs.risk_inputs)
    info = outputs.build_info
    log.info(
        "build-info %s: %d file(s), +%d -%d lines, modules %s%s",
        info.build_id,
        info.changes.files_changed,
        info.changes.lines_added,
        info.changes.lines_deleted,
        ", ".join(m.module for m in info.modules) or "none",
        f"; missing: {', '.join(info.missing)}" if info.missing else "",
    )
    return int(ExitCode.OK)


@click.command("build-info")
@repo_options
@click.option(
    "--base",
    help="Start of the change  [default: source.json's change_base (PR merge base, the "
    "branch's last successful build, else the parent)]",
)
@click.option(
    "--build-id",
    callback=identifier("build id"),
    help="Build id  [default: artifacts.json, BUILD_NUMBER]",
)
@click.option("--db", help="History store: a SQLite path or a URL  [env: CIPIPE_DB]")
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    base: str | None,
    build_id: str | None,
    db: str | None,
) -> int:
    """Write the build's record and the normalised inputs of the risk decision (seed 7).

    \b
    Reads:  every earlier step's files (a missing one is recorded as missing), git history,
            the history store (module failure rates), .cipipe.yaml
    Writes: build-info.json, build-info.jfrog.json (JFrog's format), risk-inputs.json
    """
    return execute(state, repo, config_path, base, build_id, db)
