"""A generated git repository with a long, realistic history, for the change-metrics benchmark.

There is no large real repository on the build machines and no network to clone one, so this
writes one: Python standard-library sources as the files, about twenty authors who mostly stay
in their own folders, a few files per commit, renames, deletions, binary files and the odd
merged side branch, over about three years. Everything comes from one seeded random generator
and the local standard library, so a machine builds the same history every time; the result
is cached in the system temp folder under a versioned name, because building it takes tens of
seconds. ``git fast-import`` writes all commits in one process.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

VERSION = "jit-history-v1"  # bump whenever the generator changes, so caches are rebuilt
COMMITS = 5_200
START_TIME = 1_546_300_800  # 2019-01-01T00:00:00Z
FOLDERS = (
    "core", "net", "storage", "ui", "cli", "auth", "billing", "search",
    "sync", "media", "reports", "plugins", "config", "tools", "docs",
)  # fmt: skip
AUTHORS = tuple(
    (f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com")
    for first, last in [
        ("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra"),
        ("Barbara", "Liskov"), ("Donald", "Knuth"), ("Margaret", "Hamilton"), ("Ken", "Thompson"),
        ("Dennis", "Ritchie"), ("Frances", "Allen"), ("John", "Backus"), ("Radia", "Perlman"),
        ("Niklaus", "Wirth"), ("Leslie", "Lamport"), ("Tony", "Hoare"), ("Karen", "Jones"),
        ("Butler", "Lampson"), ("Shafi", "Goldwasser"), ("Robin", "Milner"), ("Adele", "Goldberg"),
    ]
)  # fmt: skip
FIX_MESSAGES = ("Fix {w} in {m}", "Bug {n}: {w} breaks {m}", "{m}: fix {w}", "Patch {w} in {m}")
OTHER_MESSAGES = ("Add {w} to {m}", "Refactor {m}", "{m}: support {w}", "Update {m} docs")
WORDS = ("timeout", "retry", "cache", "encoding", "locking", "paging", "logging", "parsing")


@dataclass
class _State:
    files: dict[str, bytes] = field(default_factory=dict)
    by_folder: dict[str, list[str]] = field(default_factory=dict)

    def put(self, path: str, content: bytes) -> None:
        if path not in self.files:
            self.by_folder.setdefault(path.split("/")[0], []).append(path)
        self.files[path] = content

    def remove(self, path: str) -> None:
        del self.files[path]
        self.by_folder[path.split("/")[0]].remove(path)


def repository() -> Path:
    """The cached repository, built first if this machine has none of this version."""
    tag = f"{VERSION}-py{sys.version_info.major}{sys.version_info.minor}"
    root = Path(tempfile.gettempdir()) / f"cipipe-bench-{tag}"
    if (root / ".git" / "cipipe-complete").is_file():
        return root
    building = root.with_name(f"{root.name}.{os.getpid()}.tmp")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(building)], check=True)
    stream = _fast_import_stream(random.Random(20260102), _sources())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=building, input=stream, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=building, check=True)
    (building / ".git" / "cipipe-complete").write_text(tag + "\n")
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)
    return root


def _sources() -> list[bytes]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(stdlib.rglob("*.py")):
        if "site-packages" in path.parts or not 1_000 < path.stat().st_size < 12_000:
            continue
        found.append(path.read_bytes())
    return found


def _fast_import_stream(rng: random.Random, sources: list[bytes]) -> bytes:
    out: list[bytes] = []
    state = _State()
    pool = list(sources)
    rng.shuffle(pool)
    subfolders = {
        f: [f"{f}/{s}" for s in ("", "impl", "api")[: rng.randint(1, 3)]] for f in FOLDERS
    }
    favourites = [rng.sample(FOLDERS, 2) for _ in AUTHORS]
    weights = [1 / (i + 1) for i in range(len(AUTHORS))]
    counter = [0]

    def new_path(folder: str) -> str:
        counter[0] += 1
        sub = rng.choice(subfolders[folder]).rstrip("/")
        return f"{sub}/module_{counter[0]:04d}.py"

    initial: dict[str, bytes | None] = {"README.md": b"# generated history\n"}
    for i in range(460):
        initial[new_path(FOLDERS[i % len(FOLDERS)])] = pool.pop()
    for i in range(4):
        initial[f"media/assets/icon{i}.bin"] = rng.randbytes(2_000) + b"\0"
    when = START_TIME
    _emit(out, 1, None, None, AUTHORS[0], when, "Initial import", initial, state)
    mark, main_tip = 1, 1
    side_left, side_base = 0, 0
    side_changes: dict[str, bytes | None] = {}
    while mark < COMMITS:
        when += int(rng.expovariate(1 / 18_000)) + 60
        mark += 1
        if side_left == 0 and mark % 150 == 0:
            side_left, side_base, side_changes = rng.randint(2, 4), main_tip, {}
        author = rng.choices(range(len(AUTHORS)), weights)[0]
        folder = rng.choice(favourites[author] if rng.random() < 0.8 else FOLDERS)
        changes = _edits(rng, state, folder, pool, new_path)
        message = _message(rng, folder)
        _emit(out, mark, mark - 1, None, AUTHORS[author], when, message, changes, state)
        if side_left:
            side_changes.update(changes)
            side_left -= 1
            if side_left == 0:  # a no-ff merge: first parent main, the side branch's tree
                when += 600
                mark += 1
                merged = {p: state.files.get(p) for p in side_changes}
                _emit(out, mark, side_base, mark - 1, AUTHORS[0], when, "Merge branch", merged)
        if not side_left:
            main_tip = mark
    return b"".join(out)


def _edits(
    rng: random.Random,
    state: _State,
    folder: str,
    pool: list[bytes],
    new_path: Callable[[str], str],
) -> dict[str, bytes | None]:
    changes: dict[str, bytes | None] = {}
    candidates = [p for p in state.by_folder.get(folder, []) if p.endswith(".py")]
    roll = rng.random()
    if roll < 0.03 and pool:
        changes[new_path(folder)] = pool.pop()
    elif roll < 0.04 and len(candidates) > 20:
        changes[rng.choice(candidates)] = None
    elif roll < 0.05 and candidates:
        old = rng.choice(candidates)
        changes[old] = None
        changes[new_path(rng.choice(FOLDERS))] = state.files[old]
    elif roll < 0.06 and state.by_folder.get("media"):
        binaries = [p for p in state.by_folder["media"] if p.endswith(".bin")]
        if binaries:
            changes[rng.choice(binaries)] = rng.randbytes(2_000) + b"\0"
    count = min(len(candidates), 1 + int(rng.expovariate(0.6)))
    for path in rng.sample(candidates, count):
        if path not in changes:
            changes[path] = _edit_text(rng, state.files[path], pool)
    return changes


def _edit_text(rng: random.Random, text: bytes, pool: list[bytes]) -> bytes:
    lines = text.splitlines(keepends=True)
    donor = rng.choice(pool).splitlines(keepends=True) if pool else lines
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(lines) + 1)
        start = rng.randrange(max(1, len(donor) - 12))
        new = donor[start : start + rng.randint(0, 12)]
        lines[at : at + rng.randint(0, 8)] = new
    return b"".join(lines) or b"\n"


def _message(rng: random.Random, folder: str) -> str:
    template = rng.choice(FIX_MESSAGES if rng.random() < 0.25 else OTHER_MESSAGES)
    return template.format(w=rng.choice(WORDS), m=folder, n=rng.randint(1_000, 99_999))


def _emit(
    out: list[bytes],
    mark: int,
    parent: int | None,
    merge: int | None,
    author: tuple[str, str],
    when: int,
    message: str,
    changes: dict[str, bytes | None],
    state: _State | None = None,
) -> None:
    """Write one commit; ``state`` follows the tree of the main line (None for a merge, whose
    tree is the side branch's and already in the state)."""
    ident = f"{author[0]} <{author[1]}> {when} +0000\n".encode()
    body = message.encode() + b"\n"
    out += [b"commit refs/heads/main\n", b"mark :%d\n" % mark, b"author " + ident]
    out += [b"committer " + ident, b"data %d\n" % len(body), body]
    if parent is not None:
        out.append(b"from :%d\n" % parent)
    if merge is not None:
        out.append(b"merge :%d\n" % merge)
    for path, content in changes.items():
        if content is None:
            out.append(b"D " + path.encode() + b"\n")
            if state is not None:
                state.remove(path)
        else:
            out += [b"M 100644 inline " + path.encode() + b"\n", b"data %d\n" % len(content)]
            out += [content, b"\n"]
            if state is not None:
                state.put(path, content)
    out.append(b"\n")
