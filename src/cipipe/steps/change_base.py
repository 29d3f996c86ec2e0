"""Where "the change" starts: one definition for every step.

precheck decides it once and records it in source.json; ``precheck --scope changed`` and
build-info's changed files and metrics then diff ``base..commit``. In order:

1. a pull request (a target branch: --target-branch, Jenkins' CHANGE_TARGET): the merge base
   with it, what the PR adds to the target branch;
2. the branch's last successful build in the history store whose commit is an ancestor, what
   this build adds to what was last built and shipped from the branch;
3. Jenkins' GIT_PREVIOUS_SUCCESSFUL_COMMIT when it is an ancestor (no store, or none there);
4. the parent commit; none for a first commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cipipe.adapters.git.interface import GitRepo
from cipipe.adapters.history.interface import BuildRecord
from cipipe.contracts.source import ChangeBase
from cipipe.errors import InputError
from cipipe.identifiers import is_build_id


@dataclass(frozen=True)
class ChangeOf:
    """The commit whose change is asked for, and what is known about where it was made."""

    commit: str
    branch: str | None = None
    target_branch: str | None = None


def _merge_base(git: GitRepo, commit: str, target: str) -> ChangeBase:
    ref = next((r for r in (f"origin/{target}", target) if git.ref_exists(r)), None)
    if ref is None:
        raise InputError(
            f"cannot find target branch {target!r} (tried origin/{target}, {target})",
            field="--target-branch",
            expected="a fetched target branch of the pull request",
        )
    base = git.merge_base(ref, commit)
    if base is None:
        raise InputError(
            f"{ref} and {commit[:12]} have no common ancestor",
            field="--target-branch",
            expected="a target branch that shares history with the commit",
        )
    return ChangeBase(commit=base, found="merge-base", target_branch=ref)


def _previous_build(
    git: GitRepo, change: ChangeOf, builds: Sequence[BuildRecord]
) -> ChangeBase | None:
    """The newest successful build of the branch (``builds`` newest first) that is an
    ancestor of the commit: a rebuild of the same commit or another line of work is not."""
    if not change.branch:
        return None
    for build in builds:
        if build.branch != change.branch or build.result != "success" or not build.commit:
            continue
        if build.commit == change.commit or not git.ref_exists(build.commit):
            continue
        if git.is_ancestor(build.commit, change.commit):
            # A legacy row's id that the strict pattern refuses is left out, not copied on.
            build_id = build.build_id if is_build_id(build.build_id) else None
            return ChangeBase(commit=build.commit, found="previous-build", build_id=build_id)
    return None


def _jenkins_previous(git: GitRepo, commit: str, env: Mapping[str, str]) -> ChangeBase | None:
    previous = env.get("GIT_PREVIOUS_SUCCESSFUL_COMMIT")
    if not previous or previous == commit or not git.ref_exists(previous):
        return None
    resolved = git.resolve_commit(previous)
    if resolved != commit and git.is_ancestor(resolved, commit):
        return ChangeBase(commit=resolved, found="jenkins-previous-success")
    return None


def resolve_change_base(
    git: GitRepo,
    change: ChangeOf,
    *,
    env: Mapping[str, str],
    builds: Sequence[BuildRecord] = (),
) -> ChangeBase:
    """The start of ``change``; ``builds``: the service's builds in the history store, newest
    first (empty when no store is configured)."""
    if change.target_branch:
        return _merge_base(git, change.commit, change.target_branch)
    found = _previous_build(git, change, builds) or _jenkins_previous(git, change.commit, env)
    if found is not None:
        return found
    if git.ref_exists(f"{change.commit}^"):
        return ChangeBase(commit=git.resolve_commit(f"{change.commit}^"), found="parent")
    return ChangeBase(commit=None, found="root")
