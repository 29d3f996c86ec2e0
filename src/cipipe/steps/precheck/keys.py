"""What an analyser's result depends on, as cache keys (``steps/precheck/cache.py``).

A key is a sha256 over: the file's bytes (every file, for a whole-tool run), the tool and its
version, its configuration files (``.clang-tidy``, ``.clang-format`` in the file's folder and
above, files named by the check's arguments such as a suppressions list), the file's entry in
the compilation database and the request's options. The repository's headers are part of every
key: a source is analysed with the headers it includes, and cipipe does not preprocess to learn
which, so an edited header analyses every source again (a stale result would be worse).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cipipe.adapters.analyzers.interface import AnalysisRequest
from cipipe.readers.compile_commands import COMPILE_DB, compile_entries
from cipipe.steps.precheck.cache import digest, file_digest

# The files each tool reads its configuration from, in a file's folder or any folder above.
CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "clang-tidy": (".clang-tidy",),
    "clang-format": (".clang-format", "_clang-format"),
}
HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp", ".tpp")
# Fields of a request that change how a tool runs, never what it finds.
NOT_IN_KEY = ("executable", "timeout", "jobs", "work_dir", "files")


def headers_digest(repo: Path, tracked: Iterable[str]) -> str:
    headers = sorted(p for p in tracked if p.lower().endswith(HEADER_SUFFIXES))
    return digest([(p, file_digest(repo / p)) for p in headers])


@dataclasses.dataclass
class KeyContext:
    """What every key of one precheck run shares, read once per run."""

    repo: Path
    headers: str
    compile_db_dir: Path | None
    entries: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    _configs: dict[Path, object] = dataclasses.field(default_factory=dict)

    @classmethod
    def read(cls, repo: Path, tracked: Iterable[str], compile_db_dir: Path | None) -> KeyContext:
        root = repo.resolve()
        entries = compile_entries(compile_db_dir)
        return cls(root, headers_digest(root, tracked), compile_db_dir, entries)

    def configs_in(self, folder: Path, names: tuple[str, ...]) -> object:
        if folder not in self._configs:
            self._configs[folder] = [
                (name, file_digest(folder / name)) for name in names if (folder / name).is_file()
            ]
        return self._configs[folder]

    def config_digest(self, tool: str, files: Iterable[str], args: Iterable[str]) -> str:
        """The tool's configuration files that apply to ``files`` (in their folder and every
        folder above, up to the repository), and files its arguments name."""
        names = CONFIG_FILES.get(tool, ())
        found: dict[str, object] = {}
        for file in files:
            folder = (self.repo / file).parent
            while names and str(folder) not in found:
                found[str(folder)] = self.configs_in(folder, names)
                if folder == self.repo or self.repo not in folder.parents:
                    break
                folder = folder.parent
        for arg in args:
            value = arg.split("=", 1)[-1]
            candidate = self.repo / value  # an absolute value replaces the folder
            if value and candidate.is_file():
                found[f"arg:{arg}"] = file_digest(candidate)
        return digest(found)


def _options(request: AnalysisRequest) -> dict[str, object]:
    fields = dataclasses.asdict(request)
    for name in NOT_IN_KEY:
        fields.pop(name, None)
    return fields


def file_key(
    tool: str, version: str | None, request: AnalysisRequest, context: KeyContext, file: str
) -> str:
    """The key of one file analysed alone (clang-tidy)."""
    entry = context.entries.get(os.path.normpath(context.repo / file))
    return digest(
        tool,
        version,
        _options(request),
        file,
        file_digest(context.repo / file),
        context.config_digest(tool, [file], request.args),
        entry,
        context.headers,
    )


def run_key(tool: str, version: str | None, request: AnalysisRequest, context: KeyContext) -> str:
    """The key of one run over every file in scope (cppcheck, clang-format)."""
    db = context.compile_db_dir
    return digest(
        tool,
        version,
        _options(request),
        [(f, file_digest(context.repo / f)) for f in request.files],
        context.config_digest(tool, request.files, request.args),
        file_digest(db / COMPILE_DB) if db else None,
        context.headers,
    )


def folder_key(tool: str, version: str | None, request: AnalysisRequest) -> str:
    """The key of a tool's own incremental folder: its options and the checkout, not the
    files' bytes (the tool keeps a checksum per file itself)."""
    return digest(tool, version, _options(request), str(request.repo.resolve()))
