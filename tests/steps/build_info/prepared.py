"""A work folder prepared for build-info."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.git.cli import GitCli
from cipipe.steps.precheck.source import SourceFlags, resolve_source
from cipipe.workdir import WorkDir
from tests.support.gitrepo import GitRepoBuilder

CONFIG = """\
service: svc
kind: firmware
supports: [linux]
history:
  modules:
    - {glob: "net/**", module: networking}
"""


def prepare(repo: GitRepoBuilder, work: Path, flags: SourceFlags | None = None) -> None:
    WorkDir(work).write(resolve_source(GitCli(repo.root), {}, flags or SourceFlags()))
