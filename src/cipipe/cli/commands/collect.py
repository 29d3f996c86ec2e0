"""cipipe collect: merge the work folders of per-platform agents into this one."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.collect")


@click.command("collect")
@click.option(
    "--part",
    "parts",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A part's work folder (repeatable)",
)
@click.pass_obj
def command(state: CliState, parts: tuple[Path, ...]) -> int:
    """Merge the parts (work folders of `cipipe build/test --platform X` on other agents) into
    the work folder: artifacts.json and tests.json by platform, their artifacts, reports and
    logs copied, SHA256SUMS for the whole build. Parts of another build are refused (exit 2).
    """
    from cipipe.steps.collect import collect

    with state.workdir.locked():
        collected = collect(state.workdir, parts)
    platforms = [p.platform for p in collected.artifacts.platforms] if collected.artifacts else []
    log.info(
        "collected %d part(s): platforms %s, %d file(s) copied",
        len(parts),
        ", ".join(platforms) or "none",
        collected.files_copied,
    )
    return int(ExitCode.OK)
