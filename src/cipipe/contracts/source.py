"""source.json: what exactly is being built, and where each value came from (seed 2.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.identifiers import BuildIdText

Origin = Literal["flag", "git", "jenkins", "none"]
SubmoduleState = Literal["in-sync", "uninitialized", "modified", "conflict"]
# How the start of "the change" was found, in the order they are tried.
BaseOrigin = Literal["merge-base", "previous-build", "jenkins-previous-success", "parent", "root"]


class Person(Strict):
    name: str
    email: str | None = None


class Submodule(Strict):
    path: str = Field(description="Path from the top of the superproject (nested ones included)")
    commit: str = Field(description="The commit the superproject records for this path")
    checked_out: str | None = Field(
        default=None, description="The commit checked out in the work tree; null if uninitialised"
    )
    state: SubmoduleState
    url: str | None = Field(default=None, description="Remote URL from .gitmodules, no credentials")


class ChangeBase(Strict):
    """Where "the change" starts: every step diffs base..commit (precheck --scope changed,
    build-info's changed files and metrics)."""

    commit: str | None = Field(description="null: the commit has no parent (first commit)")
    found: BaseOrigin = Field(
        description="merge-base: a pull request's merge base with its target branch; "
        "previous-build: the branch's last successful build in the history store; "
        "jenkins-previous-success: GIT_PREVIOUS_SUCCESSFUL_COMMIT; parent; root"
    )
    target_branch: str | None = Field(default=None, description="The ref merged against")
    build_id: BuildIdText | None = Field(
        default=None, description="The previous build it belongs to"
    )


class Source(Contract):
    SCHEMA_NAME = "source"
    FILE_NAME = "source.json"

    repo_url: str | None = Field(description="Remote URL with any credentials removed")
    commit: str
    branch: str | None
    author: Person | None
    pr_id: str | None
    target_branch: str | None
    message: str | None
    commit_time: datetime = Field(description="Committer time of the commit, UTC")
    detached_head: bool
    dirty: bool = Field(description="Tracked files differ from the commit")
    submodules: list[Submodule]
    provenance: dict[str, Origin] = Field(
        description="For each field above, which source gave its value: flag > git > jenkins"
    )
    warnings: list[str] = Field(default_factory=list)
    change_base: ChangeBase | None = Field(
        default=None, description="Start of the change; null in files of older cipipe versions"
    )
