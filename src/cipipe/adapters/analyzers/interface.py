"""One interface for every source checker, so precheck runs them all the same way."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal, Protocol

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.contracts.precheck import Finding, WholeFiles

ANALYZER_TIMEOUT_SECONDS = 1800.0
# Keeps each command line far below the kernel's argument limit.
FILES_PER_INVOCATION = 200
SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++")
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class AnalysisRequest:
    repo: Path
    files: list[str]
    executable: str
    args: list[str] = field(default_factory=list)
    std: str = "c++17"
    include_dirs: list[str] = field(default_factory=list)
    compile_db_dir: Path | None = None
    timeout: float = ANALYZER_TIMEOUT_SECONDS
    # Each file's changed line ranges (first, last): clang-format judges only those (None: all).
    changed_lines: Mapping[str, Sequence[tuple[int, int]]] | None = None
    # The CPUs the tool may use itself (cppcheck -j): its share of the precheck's budget.
    jobs: int = 1
    # cppcheck --max-configs; None: the tool's default.
    max_configs: int | None = None
    # A folder the tool keeps its own incremental state in (cppcheck --cppcheck-build-dir).
    work_dir: Path | None = None
    # Keep the findings in every file of the repository, not only in ``files``: a source
    # analysed alone reports on the headers it includes, and the caller keeps those in scope
    # (so the result does not depend on the scope, and is cached once for any).
    report_whole_repo: bool = False

    def keeps(self, file: str | None) -> bool:
        """Whether a finding in ``file`` (repository-relative; None: outside) is reported."""
        if file is None:
            return False
        return self.report_whole_repo or file in self.files


@dataclass
class AnalysisResult:
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # set when the tool itself failed: no result, not a pass
    # Set when the tool was stopped at its time limit: ``findings`` are those it printed before.
    timed_out_after: float | None = None
    # Judged on changed lines: what the whole files hold, reported but not judged.
    whole_files: WholeFiles | None = None
    note: str | None = None
    # Files the tool did not analyse again because its own incremental state held their result.
    reused: int = 0


# How a tool's work divides for the precheck's scheduler: "file", one process per source file
# (clang-tidy); "run", one process over every file on one CPU (clang-format); "threaded-run",
# one process over every file using several CPUs itself (cppcheck -j, whose whole-program checks
# need all files at once).
WorkUnit = Literal["file", "run", "threaded-run"]


class Analyzer(Protocol):
    name: str
    default_executable: str
    work_unit: WorkUnit

    def version(self, executable: str) -> str | None: ...

    def skip_reason(self, repo: Path) -> str | None:
        """Why this repository cannot be checked at all (None: it can)."""

    def analyze(self, request: AnalysisRequest) -> AnalysisResult: ...


def tool_version(executable: str) -> str | None:
    try:
        result = run_program([executable, "--version"], timeout=30)
    except (ProgramNotFound, ProgramTimedOut):
        return None
    match = _VERSION.search(result.stdout + result.stderr)
    return match.group(1) if match else None


def run_tool(
    argv: list[str],
    cwd: Path,
    stdin_text: str | None = None,
    timeout: float = ANALYZER_TIMEOUT_SECONDS,
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr); ProgramTimedOut carries the output printed in time."""
    result = run_program(argv, cwd=cwd, timeout=timeout, stdin_text=stdin_text)
    return result.returncode, result.stdout, result.stderr


def batches(files: list[str]) -> list[list[str]]:
    return [files[i : i + FILES_PER_INVOCATION] for i in range(0, len(files), FILES_PER_INVOCATION)]


def repo_relative(path: str, repo: Path) -> str | None:
    """A tool's path as '/'-separated and relative to the repo; None when outside it."""
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = repo / candidate
    try:
        rel = Path(os.path.normpath(candidate)).relative_to(os.path.normpath(repo))
    except ValueError:
        return None
    text = PurePosixPath(*rel.parts).as_posix()
    return None if text.startswith("..") else text


def failure_reason(tool: str, returncode: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = lines[-1] if lines else "no output"
    return f"{tool} exited {returncode} without a report: {detail[:300]}"
