"""A source.json in a work folder, for the SBOM and scan steps."""

from __future__ import annotations

from pathlib import Path


def write_source(repo: Path, work: Path) -> None:
    """source.json as precheck writes it, without running the (slow) source checks."""
    from cipipe.adapters.git.cli import GitCli
    from cipipe.steps.precheck.source import SourceFlags, resolve_source
    from cipipe.workdir import WorkDir

    WorkDir(work).write(resolve_source(GitCli(repo), {}, SourceFlags()))
