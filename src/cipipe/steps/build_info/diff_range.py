"""Which range of commits a build is "the change" of.

--base when given; else, on a PR, the merge base with its target branch (what the PR adds);
else Jenkins' last successful build of this job (what this build adds to it); else the parent
commit. The choice is recorded, because the metrics mean different things for each.
"""

from __future__ import annotations

from collections.abc import Mapping

from cipipe.adapters.git.interface import GitRepo
from cipipe.contracts.build_info import DiffRange
from cipipe.contracts.source import Source
from cipipe.errors import InputError


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
    target = source.target_branch if source.pr_id else None
    if target:
        for ref in (f"origin/{target}", target):
            if git.ref_exists(ref):
                merge_base = git.merge_base(ref, commit)
                if merge_base:
                    return DiffRange(base=merge_base, commit=commit, source="merge-base")
    previous = env.get("GIT_PREVIOUS_SUCCESSFUL_COMMIT")
    if previous and previous != commit and git.ref_exists(previous):
        resolved = git.resolve_commit(previous)
        if git.is_ancestor(resolved, commit):
            return DiffRange(base=resolved, commit=commit, source="jenkins-previous-success")
    if git.ref_exists(f"{commit}^"):
        return DiffRange(base=git.resolve_commit(f"{commit}^"), commit=commit, source="parent")
    return DiffRange(base=None, commit=commit, source="root")
