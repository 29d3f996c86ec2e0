"""GitRepo over the git command line."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from cipipe.adapters.git.interface import CommitInfo, GitError, SubmoduleStatus
from cipipe.adapters.process import ProgramNotFound, run_program
from cipipe.readers.unified_diff import changed_line_ranges
from cipipe.urls import strip_credentials

_SUBMODULE_LINE = re.compile(
    r"^(?P<flag>[ +\-U])(?P<sha>[0-9a-f]{40,64}) (?P<path>.+?)(?: \(.*\))?$"
)
_STATE: dict[str, Literal["in-sync", "uninitialized", "modified", "conflict"]] = {
    " ": "in-sync",
    "-": "uninitialized",
    "+": "modified",
    "U": "conflict",
}


class GitCli:
    def __init__(self, root: Path) -> None:
        self.root = self._toplevel(root)

    @staticmethod
    def _toplevel(path: Path) -> Path:
        if not path.is_dir():
            raise GitError("folder not found", file=str(path), expected="a git repository")
        out = _git(path, "rev-parse", "--show-toplevel", what=str(path))
        return Path(out.strip())

    def _run(self, *args: str, check: bool = True) -> str:
        return _git(self.root, *args, what=str(self.root), check=check)

    def resolve_commit(self, rev: str) -> str:
        try:
            return self._run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
        except GitError:
            raise GitError(
                f"unknown revision {rev!r}",
                file=str(self.root),
                expected="a commit in this repository",
            ) from None

    def commit_info(self, sha: str) -> CommitInfo:
        out = self._run("log", "-1", "--format=%H%x00%an%x00%ae%x00%ct%x00%B", sha, "--")
        full, name, email, ctime, message = out.split("\x00", 4)
        return CommitInfo(full, name, email, int(ctime), message.rstrip("\n"))

    def current_branch(self) -> str | None:
        out = self._run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
        return out or None

    def remote_url(self, remote: str = "origin") -> str | None:
        out = self._run("remote", "get-url", remote, check=False).strip()
        return strip_credentials(out) if out else None

    def is_dirty(self) -> bool:
        return bool(self._run("status", "--porcelain", "--untracked-files=no").strip())

    def tracked_files(self) -> list[str]:
        return [p for p in self._run("ls-files", "-z").split("\x00") if p]

    def ref_exists(self, ref: str) -> bool:
        out = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return bool(out.strip())

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """``ancestor`` is ``descendant`` or one of its ancestors (git merge-base --is-ancestor)."""
        result = run_program(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant], cwd=self.root, timeout=60
        )
        if result.returncode not in (0, 1):
            raise GitError(f"cannot compare {ancestor} and {descendant}", file=str(self.root))
        return result.returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        return self._run("merge-base", a, b, check=False).strip() or None

    def changed_files(self, base: str, commit: str) -> list[str]:
        out = self._run("diff", "--name-only", "-z", "--diff-filter=d", "-M", base, commit, "--")
        return [p for p in out.split("\x00") if p]

    def changed_lines(
        self, base: str, commit: str, paths: list[str]
    ) -> dict[str, list[tuple[int, int]]]:
        # The whole change, not limited to ``paths``: a pathspec would hide a renamed file's
        # old name, and its every line would look new. Fixed prefixes: a user's
        # diff.noprefix or diff.mnemonicPrefix must not move them.
        options = ["-U0", "--no-color", "--no-ext-diff", "-M", "--src-prefix=a/", "--dst-prefix=b/"]
        patch = self._run("diff", *options, base, commit, "--")
        wanted = set(paths)
        return {p: r for p, r in changed_line_ranges(patch, prefix="b/").items() if p in wanted}

    def submodules(self) -> list[SubmoduleStatus]:
        if not (self.root / ".gitmodules").exists():
            return []
        checked = _parse_submodule_status(self._run("submodule", "status", "--recursive"))
        recorded = _parse_submodule_status(
            self._run("submodule", "status", "--cached", "--recursive")
        )
        urls = self._submodule_urls([path for path, _, _ in checked])
        result = []
        for path, sha, flag in checked:
            state = _STATE[flag]
            recorded_sha = next((s for p, s, _ in recorded if p == path), sha)
            result.append(
                SubmoduleStatus(
                    path=path,
                    recorded=recorded_sha,
                    checked_out=None if state == "uninitialized" else sha,
                    state=state,
                    url=urls.get(path),
                )
            )
        return result

    def _submodule_urls(self, paths: list[str]) -> dict[str, str]:
        """URL of each submodule, read from the .gitmodules of the project that contains it."""
        urls: dict[str, str] = {}
        supers = sorted({"", *(_superproject(p, paths) for p in paths)})
        for sup in supers:
            gitmodules = self.root / sup / ".gitmodules"
            if not gitmodules.is_file():
                continue
            out = self._run(
                "config",
                "-f",
                str(gitmodules),
                "-z",
                "--get-regexp",
                r"^submodule\..*\.(path|url)$",
                check=False,
            )
            by_name: dict[str, dict[str, str]] = {}
            for line in filter(None, out.split("\x00")):
                key, _, value = line.partition("\n")
                name, _, attr = key[len("submodule.") :].rpartition(".")
                by_name.setdefault(name, {})[attr] = value
            for fields in by_name.values():
                if "path" in fields and "url" in fields:
                    full = f"{sup}/{fields['path']}" if sup else fields["path"]
                    urls[full] = strip_credentials(fields["url"])
        return urls


def _superproject(path: str, all_paths: list[str]) -> str:
    parents = [p for p in all_paths if path.startswith(p + "/")]
    return max(parents, key=len) if parents else ""


def _parse_submodule_status(text: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in text.splitlines():
        match = _SUBMODULE_LINE.match(line)
        if match:
            rows.append((match["path"], match["sha"], match["flag"]))
    return rows


def _git(cwd: Path, *args: str, what: str, check: bool = True) -> str:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    # Jenkins may export these for the shared library's checkout; they must not redirect us.
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(var, None)
    try:
        result = run_program(["git", *args], cwd=cwd, env=env, timeout=300)
    except ProgramNotFound:
        raise GitError("git is not installed", expected="git on PATH") from None
    if check and result.returncode != 0:
        message = result.stderr.strip().splitlines()
        detail = message[-1] if message else f"git {args[0]} exited {result.returncode}"
        if "not a git repository" in detail:
            raise GitError("not a git repository", file=what, expected="a git work tree")
        raise GitError(f"git {args[0]} failed: {detail}", file=what)
    return result.stdout
