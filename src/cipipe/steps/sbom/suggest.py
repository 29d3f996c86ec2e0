"""``cipipe sbom --suggest``: a components.yaml draft for what looks vendored.

A repository that copies googletest into ``test/`` and a header of dragonbox into ``src/``
gets an SBOM without either unless someone declares them; this finds the likely copies from
the tracked files so that declaring them is an edit rather than a search. A folder or file looks
vendored when it is a child of a ``third_party/``, ``external/``, ``vendor/``, ``deps/`` (and
the like) folder, when a folder below the top holds a LICENSE or COPYING file, when a header
or CMake file names a project and its version that is not the repository's own, or when a file's
header says it is a copy of an upstream repository. Each entry's hash is ``vendored_hash``, the
one the drift check recomputes, so a saved draft starts without drift.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cipipe.steps.sbom import signals
from cipipe.steps.sbom.vendored import vendored_hash

VENDOR_FOLDERS = frozenset(
    {
        "third_party",
        "third-party",
        "thirdparty",
        "3rdparty",
        "3rd_party",
        "external",
        "externals",
        "extern",
        "vendor",
        "vendored",
        "deps",
    }
)
# A single file in a vendor folder that is code (or a prebuilt library), not its build glue.
CODE_SUFFIXES = (*signals.HEADER_SUFFIXES, ".c", ".cc", ".cpp", ".cxx", ".a", ".lib", ".dll")
LIBRARY_FILE = re.compile(r".+\.(?:a|lib|dll|dylib|so(?:\.[0-9]+)*)", re.IGNORECASE)
LICENCE_FILE = re.compile(r"(?:[\w-]+[.-])?(?:licen[cs]e|copying)(?:[.-][\w.-]*)?", re.IGNORECASE)
SCANNED_SUFFIXES = (*signals.HEADER_SUFFIXES, ".c", ".cc", ".cpp", ".cxx")
# A copy inside one of these is used by the tests, not linked into what ships.
TEST_FOLDERS = frozenset({"test", "tests", "testing", "unittest", "unittests"})
HEAD_BYTES = 64 * 1024  # version macros and licence notices sit at the top
MAX_SCANNED_FILES = 20_000  # a huge monorepo gets a draft from its first files, not a hang
_TOP_PROJECT = re.compile(
    r"^[ \t]*project[ \t]*\([ \t]*([A-Za-z][A-Za-z0-9_.+-]{0,100})", re.M | re.I
)
_NAME_VERSION = re.compile(r"(?P<name>[A-Za-z][\w.+]*?)[-_]v?(?P<version>[0-9]+(?:\.[0-9]+)+)")


@dataclass
class Candidate:
    path: str  # relative to the repository, POSIX
    is_file: bool
    reasons: list[str] = field(default_factory=list)
    versions: list[signals.Version] = field(default_factory=list)
    licence: str | None = None
    licence_note: str | None = None
    upstream: str | None = None
    upstream_name: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """One draft entry: what it is, where, and why cipipe thinks so."""

    name: str
    version: str | None
    path: str
    hash: str
    licence: str | None
    notes: tuple[str, ...]
    scope: str | None = None


def suggest(
    repo: Path, tracked: Sequence[str], *, skip: Iterable[str] = (), own_names: Iterable[str] = ()
) -> list[Suggestion]:
    """Every folder or file that looks vendored, outermost first, sorted by path.

    ``skip``: paths already declared;
    ``own_names``: the repository's own project names, whose version macros are not a copy."""
    skipped = {p.rstrip("/") for p in skip}
    files = [p for p in tracked if not _below_any(p, skipped)]
    own = {signals.normalised(n) for n in own_names if n}
    found: dict[str, Candidate] = {}
    for path in files:
        _by_location(path, found)
    for path in files[:MAX_SCANNED_FILES]:
        _by_content(repo, path, found, own)
    outermost = _outermost(found)
    for path in files:
        _licence_in(repo, path, outermost)
    # A tracked link is never followed: its target could be anywhere, a FIFO included.
    kept = [c for c in outermost.values() if not (repo / c.path).is_symlink()]
    return [_suggestion(repo, c) for c in sorted(kept, key=lambda c: c.path)]


def _by_location(path: str, found: dict[str, Candidate]) -> None:
    parts = PurePosixPath(path).parts
    for index, part in enumerate(parts[:-1]):
        if part.lower() in VENDOR_FOLDERS:
            child = parts[: index + 2]
            is_file = len(child) == len(parts)
            if (
                is_file
                and not path.lower().endswith(CODE_SUFFIXES)
                and not LIBRARY_FILE.match(path)
            ):
                return
            where = "/".join(child)
            _candidate(found, where, is_file).reasons.append(
                f"inside {'/'.join(parts[: index + 1])}/"
            )
            return
    if (
        len(parts) > 1
        and LICENCE_FILE.fullmatch(parts[-1])
        and parts[-2].lower() not in VENDOR_FOLDERS
    ):
        folder = "/".join(parts[:-1])
        _candidate(found, folder, False).reasons.append(f"its own licence file ({parts[-1]})")


def _by_content(repo: Path, path: str, found: dict[str, Candidate], own: set[str]) -> None:
    name = PurePosixPath(path).name
    is_cmake = name == "CMakeLists.txt" and "/" in path
    if not (is_cmake or path.lower().endswith(SCANNED_SUFFIXES)):
        return
    text = read_head(repo / path)
    if text is None:
        return
    if is_cmake:
        versions = signals.cmake_versions(text)
    elif path.lower().endswith(signals.HEADER_SUFFIXES):
        versions = signals.header_versions(text)
    else:
        versions = []
    versions = [v for v in versions if signals.normalised(v.name) not in own]
    if versions:
        # A copy's folder; at the top, the folder would be the repository itself: the file.
        at_top = "/" not in path
        candidate = _candidate(found, path if at_top else str(PurePosixPath(path).parent), at_top)
        candidate.versions += [_located(v, path) for v in versions]
        candidate.reasons.append(f"a version of {versions[0].name} in {name}")
    copied = signals.upstream(text[:4096])
    if copied and signals.normalised(copied[1]) not in own:
        candidate = _candidate(found, path, True)
        candidate.upstream, candidate.upstream_name = copied
        candidate.reasons.append(f"its header says it is a copy of {copied[0]}")
        tags = signals.spdx_tags(text[:4096])
        if len(tags) == 1:
            candidate.licence, candidate.licence_note = tags[0], "its SPDX-License-Identifier"
        elif tags:
            candidate.licence_note = "SPDX-License-Identifier lines: " + ", ".join(tags)


def _located(version: signals.Version, path: str) -> signals.Version:
    return signals.Version(version.name, version.version, f"{version.evidence} in {path}")


def _candidate(found: dict[str, Candidate], path: str, is_file: bool) -> Candidate:
    return found.setdefault(path, Candidate(path, is_file))


def _below_any(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f + "/") for f in folders)


def _outermost(found: dict[str, Candidate]) -> dict[str, Candidate]:
    """Candidates inside another give it their findings and disappear: one copy, one entry."""
    kept: dict[str, Candidate] = {}
    for path in sorted(found, key=lambda p: (p.count("/"), p)):
        candidate = found[path]
        outer = next((kept[k] for k in kept if path.startswith(k + "/")), None)
        if outer is None:
            kept[path] = candidate
            continue
        outer.versions += candidate.versions
        outer.reasons += [r for r in candidate.reasons if r not in outer.reasons]
        if outer.upstream is None and candidate.upstream:
            outer.upstream, outer.upstream_name = candidate.upstream, candidate.upstream_name
    return kept


def _licence_in(repo: Path, path: str, candidates: dict[str, Candidate]) -> None:
    """A candidate folder's licence, from the wording of the licence file nearest its top."""
    parent = str(PurePosixPath(path).parent)
    candidate = candidates.get(parent)
    if (
        candidate is None
        or candidate.licence
        or not LICENCE_FILE.fullmatch(PurePosixPath(path).name)
    ):
        return
    text = read_head(repo / path)
    spdx = signals.licence_of(text) if text else None
    if spdx:
        candidate.licence, candidate.licence_note = spdx, f"guessed from the text of {path}"
    elif candidate.licence_note is None:
        candidate.licence_note = f"not recognised: read {path}"


def _suggestion(repo: Path, candidate: Candidate) -> Suggestion:
    name, version, version_note = _identity(candidate)
    notes = [f"why: {'; '.join(dict.fromkeys(candidate.reasons))}"]
    if version_note:
        notes.append(f"version: {version_note}")
    if candidate.upstream:
        notes.append(f"upstream: {candidate.upstream}")
    if candidate.licence_note:
        notes.append(f"license: {candidate.licence_note}")
    tests_folder = _tests_folder(candidate.path)
    if tests_folder:
        notes.append(
            f"scope: excluded, as it sits in {tests_folder}/: a test-only copy that no shipped "
            "file contains (make it required if one does)"
        )
    return Suggestion(
        name=name,
        version=version,
        path=candidate.path,
        hash=vendored_hash(repo / candidate.path),
        licence=candidate.licence,
        notes=tuple(notes),
        scope="excluded" if tests_folder else None,
    )


def _tests_folder(path: str) -> str | None:
    """The test folder a copy sits in (yaml-cpp's googletest in test/), or None."""
    parts = PurePosixPath(path).parts
    for index, part in enumerate(parts[:-1]):
        if part.lower() in TEST_FOLDERS:
            return "/".join(parts[: index + 1])
    return None


def _identity(candidate: Candidate) -> tuple[str, str | None, str]:
    """(name, version, where the version came from): the version macro or CMake line whose
    project matches the folder's name wins, then any, then ``name-1.2.3`` in the folder name."""
    base = PurePosixPath(candidate.path).name
    from_folder = _NAME_VERSION.fullmatch(base)
    base_name = from_folder["name"] if from_folder else base
    if candidate.is_file:
        base_name = candidate.upstream_name or PurePosixPath(base).stem
    wanted = signals.normalised(base_name)
    versions = sorted(candidate.versions, key=lambda v: signals.normalised(v.name) != wanted)
    if versions:
        chosen = versions[0]
        others = sorted(
            {f"{v.name} {v.version}" for v in versions[1:]} - {f"{chosen.name} {chosen.version}"}
        )
        note = chosen.evidence + (f" (also found: {', '.join(others)})" if others else "")
        return chosen.name, chosen.version, note
    if from_folder:
        return from_folder["name"], from_folder["version"], f"from the folder name {base}"
    return base_name, None, "not found; add it when you know it"


def own_project_names(repo: Path) -> list[str]:
    """The repository's own names: its folder and its top CMake project (YAML_CPP)."""
    text = read_head(repo / "CMakeLists.txt") or ""
    match = _TOP_PROJECT.search(text)
    return [repo.resolve().name, *([match[1]] if match else [])]


def read_head(path: Path) -> str | None:
    """The first bytes of a regular file as text; None for a link, a FIFO, a device, a folder
    (never followed or opened: a tracked link can point anywhere)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
