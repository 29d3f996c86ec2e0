"""A change and the history behind it, read from git in a handful of streaming processes.

Change metrics need the files a change touches with their line counts, the size of those files
before the change and who touched them when. Asking git once per file or per commit would cost
a process each, seconds for a large change or a long history; here every question is one
process whatever the size (``git diff-tree``, one ``git cat-file --batch``, one ``git log``),
and logs are parsed as they stream, so memory holds one commit at a time.

Paths are decoded as UTF-8 with surrogate escapes, the way Python decodes file names, so a path
that is not UTF-8 still round-trips. Merge commits list no paths in a log (git shows no diff for
them), so history counts them as no change to any file.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cipipe.adapters.git.interface import CommitInfo, GitError
from cipipe.adapters.git.stream import nul_tokens, stream

Status = Literal["A", "M", "D", "R", "C", "T"]
_HEADER = re.compile(rb"\x1e([0-9a-f]{40,64})\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f(-?\d+)\Z")
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_LOG_FORMAT = "--format=%x1e%H%x1f%P%x1f%ae%x1f%ct"
_INFO_FORMAT = "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%B"


@dataclass(frozen=True)
class FileChange:
    path: str  # in the new version; for a deleted file, its path in the base
    old_path: str | None  # in the base; None for an added file
    status: Status
    added: int | None  # None for a binary file
    deleted: int | None
    binary: bool
    # The file's blob in the base, to count its lines; None when it is new or a submodule.
    old_blob: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LoggedCommit:
    sha: str
    parents: tuple[str, ...]
    author_email: str
    time: int  # committer time, unix seconds: when the change landed on this line
    paths: tuple[str, ...]  # files changed against the first parent; none for a merge


@dataclass(frozen=True)
class RangeCommit:
    info: CommitInfo
    parents: tuple[str, ...]


def diff_commits(repo: Path, commits: Sequence[tuple[str, str | None]]) -> list[list[FileChange]]:
    """Each (commit, base) pair of full ids, a commit against its base (None: a root commit,
    against the empty tree), in the order given, from one ``git diff-tree --stdin`` per round.
    A line "commit base" makes diff-tree take base as the commit's parent for the rest of its
    run, so a commit asked again (against another base) waits for a round of its own."""
    for commit, base in commits:
        for rev in (commit, base or commit):
            if not _FULL_ID.fullmatch(rev):
                raise GitError(f"not a full commit id: {rev!r}", expected="40 or 64 hex digits")
    rounds: list[dict[str, int]] = []  # per round: commit -> its index in ``commits``
    for index, (commit, _) in enumerate(commits):
        free = next((r for r in rounds if commit not in r), None)
        if free is None:
            rounds.append(free := {})
        free[commit] = index
    result: list[list[FileChange]] = [[] for _ in commits]
    for asked in rounds:
        pairs = [commits[i] for i in asked.values()]
        for index, changes in zip(asked.values(), _diff_round(repo, pairs), strict=True):
            result[index] = changes
    return result


def _diff_round(repo: Path, commits: Sequence[tuple[str, str | None]]) -> list[list[FileChange]]:
    lines = "".join(f"{commit} {base}\n" if base else f"{commit}\n" for commit, base in commits)
    args = ["diff-tree", "--stdin", "--always", "--root", *_DIFF_ARGS]
    with stream(repo, args, stdin=lines) as out:
        records = list(_diff_records(nul_tokens(out)))
    # --always: one record per line asked, headed by its commit, even for an empty diff.
    if [sha for sha, _ in records] != [commit for commit, _ in commits]:
        raise GitError("git diff-tree answered other commits than asked", file=str(repo))
    return [changes for _, changes in records]


_DIFF_ARGS = ("-r", "-M", "--raw", "--numstat", "-z", "--no-abbrev", "--no-textconv")


def _diff_records(tokens: Iterator[bytes]) -> Iterator[tuple[str | None, list[FileChange]]]:
    """Parse ``--raw --numstat -z``: per commit (a bare id, from ``--stdin``), every raw record
    (":modes shas status", then one or two paths), then one numstat record per raw record in
    the same order ("added\tdeleted\tpath", or "added\tdeleted\t" and two paths)."""
    commit: str | None = None
    raws: list[tuple[bytes, str, str | None]] = []
    stats: list[tuple[int | None, int | None]] = []
    for token in tokens:
        if token[:1] == b":":
            status = token.rsplit(b" ", 1)[1][:1]
            first = _path(next(tokens))
            raws.append((token, first, _path(next(tokens)) if status in (b"R", b"C") else None))
        elif b"\t" in token:
            added, deleted, path = token.split(b"\t", 2)
            if not path:  # a rename or copy: its two paths follow
                next(tokens)
                next(tokens)
            stats.append((_count(added), _count(deleted)))
        elif token:
            if commit is not None or raws:
                yield commit, _changes(raws, stats)
            commit, raws, stats = token.decode(), [], []
    if commit is not None or raws:
        yield commit, _changes(raws, stats)


def _changes(
    raws: list[tuple[bytes, str, str | None]], stats: list[tuple[int | None, int | None]]
) -> list[FileChange]:
    changes = []
    for (meta, first, second), (added, deleted) in zip(raws, stats, strict=True):
        old_mode, _, old_sha, _, status = meta[1:].decode().split(" ")
        kind: Status = status[0]  # type: ignore[assignment]
        binary = added is None
        blob = old_sha if kind != "A" and old_mode not in ("000000", "160000") else None
        if second is not None:
            changes.append(FileChange(second, first, kind, added, deleted, binary, blob))
        else:
            old = None if kind == "A" else first
            changes.append(FileChange(first, old, kind, added, deleted, binary, blob))
    return changes


def _count(text: bytes) -> int | None:
    return None if text == b"-" else int(text)


def line_counts(repo: Path, blobs: Iterable[str]) -> dict[str, int]:
    """Lines of each blob, from one ``git cat-file --batch``; a last line without a newline
    counts, as in ``git diff --numstat``. Missing objects are left out."""
    wanted = list(dict.fromkeys(blobs))
    counts: dict[str, int] = {}
    if not wanted:
        return counts
    with stream(repo, ["cat-file", "--batch"], stdin="".join(f"{b}\n" for b in wanted)) as out:
        for _ in wanted:
            header = out.readline().split()
            if len(header) != 3:
                continue  # "<name> missing"
            size, lines, last = int(header[2]), 0, b"\n"
            while size:
                chunk = out.read(min(size, 1 << 20))
                if not chunk:
                    raise GitError("git cat-file stopped early", file=str(repo))
                size -= len(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
            out.read(1)
            counts[header[0].decode()] = lines + (last != b"\n")
    return counts


def iter_log(repo: Path, revs: Sequence[str]) -> Generator[LoggedCommit, None, None]:
    """Commits reachable from ``revs`` (``^rev`` excludes), newest first, with the files each
    changed. Never limited to paths: git would then simplify the history at merges and leave
    out a merged branch's commits to those paths."""
    args = ["log", "--stdin", "--no-renames", "--name-only", "-z", _LOG_FORMAT, "--no-use-mailmap"]
    stdin = "".join(f"{_rev(r.removeprefix('^'), r)}\n" for r in revs)
    with stream(repo, args, stdin=stdin) as out:
        header: tuple[str, tuple[str, ...], str, int] | None = None
        files: list[str] = []
        for token in nul_tokens(out):
            match = _HEADER.match(token)
            if match:
                if header:
                    yield LoggedCommit(*header[:3], header[3], tuple(files))
                sha, parents, email, when = match.groups()
                header = (sha.decode(), tuple(parents.decode().split()), _text(email), int(when))
                files = []
            elif header and token:
                files.append(_path(token[1:] if not files and token[:1] == b"\n" else token))
        if header:
            yield LoggedCommit(*header[:3], header[3], tuple(files))


def read_commits(repo: Path, revs: Sequence[str], *, walk: bool = True) -> list[RangeCommit]:
    """The commits of ``revs`` (``^rev`` excludes), newest first, with their messages; with
    ``walk=False`` exactly the commits named, in the order named."""
    args = ["log", "--stdin", "-z", _INFO_FORMAT, "--no-use-mailmap"]
    if not walk:
        args.append("--no-walk=unsorted")
    stdin = "".join(f"{_rev(r.removeprefix('^'), r)}\n" for r in revs)
    result = []
    with stream(repo, args, stdin=stdin) as out:
        for record in nul_tokens(out):
            if not record:
                continue
            sha, parents, name, email, when, message = record.split(b"\x1f", 5)
            info = CommitInfo(
                sha.decode(), _text(name), _text(email), int(when), _text(message).rstrip("\n")
            )
            result.append(RangeCommit(info, tuple(parents.decode().split())))
    return result


def merge_bases(repo: Path, revs: Sequence[str]) -> list[str]:
    """The best common ancestors of all ``revs``; every commit all of them reach is reachable
    from one of these. Empty when they share no history."""
    args = ["merge-base", "--all", "--octopus", *(_rev(r) for r in revs)]
    with stream(repo, args, ok=(0, 1)) as out:
        return out.read().decode().split()


def _rev(rev: str, full: str | None = None) -> str:
    """Refuse revisions that git would read as options (they come from CI variables)."""
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n"):
        raise GitError(f"not a revision: {rev!r}", expected="a commit id or ref name")
    return full if full is not None else rev


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
