"""Which files the pre-checks look at: tracked C/C++ files, all of them or the changed ones
(since the start of the change that source.json records).

An include glob chooses folders, the file name ending chooses the language: ``src/**`` must
not hand src/README.md or src/CMakeLists.txt to clang-format, cppcheck or clang-tidy.
"""

from __future__ import annotations

from dataclasses import dataclass

from cipipe.adapters.git.interface import GitRepo
from cipipe.confine import repository_file
from cipipe.contracts.precheck_config import PrecheckConfig
from cipipe.contracts.source import ChangeBase
from cipipe.globs import glob_match

# What clang-format, cppcheck and clang-tidy read as C or C++ (sources, headers, and the
# inline or template implementation files included from headers). Compared without case:
# a repository's Foo.CPP or BAR.H is C++ too.
CXX_EXTENSIONS = (
    ".c",
    ".cc",
    ".cpp",
    ".cxx",
    ".c++",
    ".h",
    ".hh",
    ".hpp",
    ".hxx",
    ".h++",
    ".ipp",
    ".inl",
    ".tpp",
)


@dataclass(frozen=True)
class FileSelection:
    scope: str
    base: str | None
    files: list[str]
    # scope changed: each file's changed line ranges (a file with none is absent), on which
    # formatting is judged; None: whole files are judged (scope all, a first commit).
    changed_lines: dict[str, list[tuple[int, int]]] | None = None


def select_files(
    git: GitRepo,
    config: PrecheckConfig,
    *,
    scope: str,
    commit: str,
    base: ChangeBase,
) -> FileSelection:
    """All tracked C/C++ files, or (scope changed) those changed since the start of the change
    (every file of a first commit)."""
    start: str | None = None
    if scope == "changed" and base.commit is not None:
        start = base.commit
        candidates = git.changed_files(start, commit)
    else:
        candidates = git.tracked_files()
    endings = (*CXX_EXTENSIONS, *(e.lower() for e in config.extra_extensions))
    files = sorted(
        path
        for path in candidates
        if path.lower().endswith(endings)
        and any(glob_match(path, p) for p in config.include)
        and not any(glob_match(path, p) for p in config.exclude)
    )
    # The tools would read a link's target and quote it in their findings.
    for path in files:
        repository_file(git.root, path, leave_out="precheck.exclude in .cipipe.yaml")
    changed = git.changed_lines(start, commit, files) if start is not None else None
    return FileSelection(scope=scope, base=start, files=files, changed_lines=changed)
