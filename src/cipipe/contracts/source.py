"""source.json: what exactly is being built, and where each value came from (seed 2.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict

Origin = Literal["flag", "git", "jenkins", "none"]
SubmoduleState = Literal["in-sync", "uninitialized", "modified", "conflict"]


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
