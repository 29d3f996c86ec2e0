"""Which files the pre-checks look at: tracked C/C++ files, all of them or the changed ones
(since the start of the change that source.json records)."""

from __future__ import annotations

from dataclasses import dataclass

from cipipe.adapters.git.interface import GitRepo
from cipipe.confine import repository_file
from cipipe.contracts.repo_config import PrecheckConfig
from cipipe.contracts.source import ChangeBase
from cipipe.globs import glob_match


@dataclass(frozen=True)
class FileSelection:
    scope: str
    base: str | None
    files: list[str]


def select_files(
    git: GitRepo,
    config: PrecheckConfig,
    *,
    scope: str,
    commit: str,
    base: ChangeBase,
) -> FileSelection:
    """All tracked C/C++ files, or (scope changed) those changed since the start of the change
    (every file of a first commit)."""
    start: str | None = None
    if scope == "changed" and base.commit is not None:
        start = base.commit
        candidates = git.changed_files(start, commit)
    else:
        candidates = git.tracked_files()
    files = sorted(
        path
        for path in candidates
        if any(glob_match(path, p) for p in config.include)
        and not any(glob_match(path, p) for p in config.exclude)
    )
    # The tools would read a link's target and quote it in their findings.
    for path in files:
        repository_file(git.root, path, leave_out="precheck.exclude in .cipipe.yaml")
    return FileSelection(scope=scope, base=start, files=files)
