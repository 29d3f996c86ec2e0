"""Which files the pre-checks look at: tracked C/C++ files, all of them or the changed ones."""

from __future__ import annotations

from dataclasses import dataclass

from cipipe.adapters.git.interface import GitRepo
from cipipe.confine import repository_file
from cipipe.contracts.repo_config import PrecheckConfig
from cipipe.errors import InputError
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
    target_branch: str | None,
) -> FileSelection:
    base: str | None = None
    if scope == "changed":
        target = target_branch or ""
        ref = next((r for r in (f"origin/{target}", target) if target and git.ref_exists(r)), None)
        if ref is None:
            raise InputError(
                f"cannot find target branch {target!r} (tried origin/{target}, {target})",
                field="--scope changed",
                expected="a fetched target branch, or --scope all",
            )
        base = git.merge_base(ref, commit)
        if base is None:
            raise InputError(
                f"{ref} and {commit[:12]} have no common ancestor",
                field="--scope changed",
                expected="a target branch that shares history with the commit",
            )
        candidates = git.changed_files(base, commit)
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
    return FileSelection(scope=scope, base=base, files=files)
