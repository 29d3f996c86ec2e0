"""What the steps need from git, as an interface, so a step can be tested with a fake."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from cipipe.errors import InputError


class GitError(InputError):
    """The repository cannot answer: not a repository, unknown revision, broken state."""


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    committer_time: int
    message: str


@dataclass(frozen=True)
class SubmoduleStatus:
    path: str
    recorded: str
    checked_out: str | None
    state: Literal["in-sync", "uninitialized", "modified", "conflict"]
    url: str | None


class GitRepo(Protocol):
    root: Path

    def resolve_commit(self, rev: str) -> str: ...

    def commit_info(self, sha: str) -> CommitInfo: ...

    def current_branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""

    def remote_url(self, remote: str = "origin") -> str | None: ...

    def is_dirty(self) -> bool: ...

    def submodules(self) -> list[SubmoduleStatus]: ...

    def tracked_files(self) -> list[str]: ...

    def ref_exists(self, ref: str) -> bool: ...

    def merge_base(self, a: str, b: str) -> str | None: ...

    def is_ancestor(self, ancestor: str, descendant: str) -> bool: ...

    def changed_files(self, base: str, commit: str) -> list[str]:
        """Paths added, copied, modified or renamed between base and commit (not deleted)."""

    def changed_lines(
        self, base: str, commit: str, paths: list[str]
    ) -> dict[str, list[tuple[int, int]]]:
        """Of ``paths``, the line ranges (first, last; 1-based) each one's change between base
        and commit touches, as ``git clang-format`` takes them; a path without any is absent."""
