"""Whether the installed clang-format / clang-tidy can read the repository's style file.

Asked of the tool itself (``--dump-config`` for a file under each style file), never by
reading the YAML here: only the tool knows its keys. A file written for a newer version
(``InsertNewlineAtEOF`` under clang-format 14) makes the check "not-run: tool too old (needs
16)", never findings and never a crash. clang-tidy would otherwise go on silently with its
default checks, so any config file it refuses stops its check ("failed-to-run"); a broken
``.clang-format`` is left to clang-format's own run, which fails on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from cipipe.adapters.analyzers.clang_options import CLANG_FORMAT_KEYS, CLANG_TIDY_KEYS
from cipipe.adapters.analyzers.interface import repo_relative, run_tool
from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut
from cipipe.readers.clang_config_errors import ConfigError, config_errors

DUMP_TIMEOUT_SECONDS = 60.0
STYLE_FILES: Mapping[str, tuple[str, ...]] = {
    "clang-format": (".clang-format", "_clang-format"),
    "clang-tidy": (".clang-tidy",),
}
NEWER_KEYS: Mapping[str, Mapping[str, int]] = {
    "clang-format": CLANG_FORMAT_KEYS,
    "clang-tidy": CLANG_TIDY_KEYS,
}


@dataclass(frozen=True)
class ConfigProblem:
    status: Literal["not-run", "failed-to-run"]  # too old; a config it cannot read
    reason: str


def unreadable_config(
    tool: str, executable: str, repo: Path, files: list[str], version: str | None
) -> ConfigProblem | None:
    """Why ``tool`` cannot check ``files`` with the repository's style files (None: it can,
    or it is not a tool with a style file)."""
    if tool not in STYLE_FILES:
        return None
    for example in _style_files(repo, files, STYLE_FILES[tool]).values():
        argv = [executable, "--dump-config"]
        argv += ["--style=file", example] if tool == "clang-format" else [example, "--"]
        try:
            _, _, stderr = run_tool(argv, repo, timeout=DUMP_TIMEOUT_SECONDS)
        except (ProgramNotFound, ProgramTimedOut):
            return None  # the check itself reports a tool that does not run
        errors = config_errors(stderr)
        if errors:
            return _problem(tool, version, repo, errors[0])
    return None


def _problem(
    tool: str, version: str | None, repo: Path, error: ConfigError
) -> ConfigProblem | None:
    where = repo_relative(error.file, repo) or error.file
    said = f"{where}:{error.line}: {error.message}"
    this = f"this is {tool} {version}" if version else f"the installed {tool} refused it"
    if error.from_a_newer_version:
        needs = _needed_major(tool, error.unknown_key, version)
        return ConfigProblem("not-run", f"tool too old (needs {needs}): {said}; {this}")
    if tool == "clang-tidy":
        return ConfigProblem("failed-to-run", f"{tool} cannot read {said}; {this}")
    return None


def _needed_major(tool: str, key: str | None, version: str | None) -> str:
    """The version that introduced ``key``, when known and newer than this one."""
    added = NEWER_KEYS[tool].get(key or "")
    major = _major(version)
    if added is None or (major is not None and added <= major):
        return f"a newer {tool}"
    return f"{tool} {added}"


def _major(version: str | None) -> int | None:
    head = (version or "").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _style_files(repo: Path, files: Iterable[str], names: tuple[str, ...]) -> dict[Path, str]:
    """Each style file that applies to one of ``files`` (the nearest one up to the
    repository's top), with the first such file to ask the tool about."""
    found: dict[Path, str] = {}
    nearest: dict[PurePosixPath, Path | None] = {}
    for file in files:
        folder = PurePosixPath(file).parent
        if folder not in nearest:
            nearest[folder] = _nearest(repo, folder, names)
        style = nearest[folder]
        if style is not None and style not in found:
            found[style] = file
    return found


def _nearest(repo: Path, folder: PurePosixPath, names: tuple[str, ...]) -> Path | None:
    for parent in (folder, *folder.parents):
        for name in names:
            candidate = repo / parent / name
            if candidate.is_file():
                return candidate
    return None
