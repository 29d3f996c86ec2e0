"""Which range of commits a build is "the change" of.

--base when given; else the start precheck recorded in source.json (change_base, decided by
cipipe.steps.change_base for every step); for a source.json of an older cipipe without it, the
same rules decided here without the history store. The choice is recorded, because the
metrics mean different things for each.
"""

from __future__ import annotations

from collections.abc import Mapping

from cipipe.adapters.git.interface import GitRepo
from cipipe.contracts.build_info import DiffRange
from cipipe.contracts.source import Source
from cipipe.errors import InputError
from cipipe.steps.change_base import ChangeOf, resolve_change_base


def resolve_range(
    git: GitRepo, source: Source, env: Mapping[str, str], base: str | None
) -> DiffRange:
    commit = source.commit
    if base:
        try:
            return DiffRange(base=git.resolve_commit(base), commit=commit, source="flag")
        except InputError:
            raise InputError(
                f"unknown revision {base!r}", field="--base", expected="a commit of the repository"
            ) from None
    recorded = source.change_base
    if recorded is None:
        # As before change_base existed: a PR's target only counts with its PR id.
        change = ChangeOf(
            commit=commit,
            branch=source.branch,
            target_branch=source.target_branch if source.pr_id else None,
        )
        try:
            recorded = resolve_change_base(git, change, env=env)
        except InputError:
            recorded = resolve_change_base(git, ChangeOf(commit, source.branch), env=env)
    return DiffRange(base=recorded.commit, commit=commit, source=recorded.found)
