"""cipipe scan: writes scan.json."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.scan")


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    osv_db: Path | None = None,
    grype: tuple[Path, ...] = (),
    trivy: tuple[Path, ...] = (),
) -> int:
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.steps.scan.execute import ScanRequest, run_scan

    config = load_repo_config(config_path(repo, config_file))
    folder = osv_db or (
        Path(os.environ["CIPIPE_OSV_DB"]) if os.environ.get("CIPIPE_OSV_DB") else None
    )
    if folder is None and config.scan.osv_db:
        folder = repo / config.scan.osv_db
    report = run_scan(
        ScanRequest(
            repo=repo.resolve(),
            sbom=state.workdir.file("sbom.json"),
            policy=config.scan,
            today=datetime.now(UTC).date(),
            osv_db=folder,
            grype=grype,
            trivy=trivy,
        )
    )
    with state.workdir.locked():
        state.workdir.write(report)
    c = report.counts
    log.info(
        "scan: %d component(s), %d advisories: %d critical, %d high, %d medium, %d low, %d unknown",
        report.components,
        report.advisories,
        c.critical,
        c.high,
        c.medium,
        c.low,
        c.unknown,
    )
    if report.blocking:
        log.error("blocking findings: %s", ", ".join(report.blocking))
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


@click.command("scan")
@repo_options
@click.option(
    "--osv-db",
    type=click.Path(path_type=Path, file_okay=False),
    help="Offline OSV advisory folder (one JSON per advisory)  [env: CIPIPE_OSV_DB; default: "
    "scan.osv_db in .cipipe.yaml]",
)
@click.option(
    "--grype",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A grype JSON report to include (repeatable)",
)
@click.option(
    "--trivy",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A trivy JSON report to include (repeatable)",
)
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    osv_db: Path | None,
    grype: tuple[Path, ...],
    trivy: tuple[Path, ...],
) -> int:
    """Find known vulnerabilities in the SBOM's components (seed 5.4).

    \b
    Reads:  sbom.json, the OSV folder, grype / trivy JSON reports, .cipipe.yaml (scan policy)
    Writes: scan.json
    Exit 1 when a finding blocks (default: any critical one that is not an accepted risk).
    """
    return execute(state, repo, config_path, osv_db, grype, trivy)
