"""clang-tidy, with the repository's compile_commands.json when there is one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.analyzers.interface import (
    SOURCE_SUFFIXES,
    AnalysisRequest,
    AnalysisResult,
    WorkUnit,
    batches,
    failure_reason,
    repo_relative,
    run_tool,
    tool_version,
)
from cipipe.adapters.process import ProgramTimedOut
from cipipe.contracts.precheck import Finding, Severity
from cipipe.readers.clang_diagnostics import ClangDiagnostic, parse_clang_diagnostics

# Used only when the repository has no .clang-tidy of its own.
DEFAULT_CHECKS = "-*,clang-analyzer-*,bugprone-*,performance-*,portability-*"
SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning"}


@dataclass(frozen=True)
class _Chunk:
    """One clang-tidy process: its diagnostics (those printed in time, if it was stopped)."""

    diagnostics: list[ClangDiagnostic]
    error: str | None = None
    timed_out_after: float | None = None


class ClangTidy:
    """One clang-tidy process over the sources of a request. precheck's scheduler gives it one
    file per request, so files are spread over the CPUs by whichever is free, each file has its
    own time limit and its own cache entry."""

    name = "clang-tidy"
    default_executable = "clang-tidy"
    work_unit: WorkUnit = "file"

    def version(self, executable: str) -> str | None:
        return tool_version(executable)

    def skip_reason(self, repo: Path) -> str | None:
        return None

    def _argv(self, request: AnalysisRequest, files: list[str]) -> list[str]:
        header_filter = "^" + re.escape(str(request.repo.resolve())) + "/"
        argv = [request.executable, "--quiet", f"--header-filter={header_filter}"]
        if not (request.repo / ".clang-tidy").exists():
            argv.append(f"--checks={DEFAULT_CHECKS}")
        argv += request.args
        if request.compile_db_dir is not None:
            return [*argv, "-p", str(request.compile_db_dir), *files]
        includes = [f"-I{d}" for d in request.include_dirs]
        return [*argv, *files, "--", f"-std={request.std}", *includes]

    def _run_chunk(self, request: AnalysisRequest, files: list[str]) -> _Chunk:
        try:
            code, stdout, stderr = run_tool(
                self._argv(request, files), request.repo, timeout=request.timeout
            )
        except ProgramTimedOut as exc:
            return _Chunk(parse_clang_diagnostics(exc.stdout), timed_out_after=exc.timeout)
        diagnostics = parse_clang_diagnostics(stdout)
        if code != 0 and not diagnostics:
            return _Chunk([], error=failure_reason(self.name, code, stderr or stdout))
        return _Chunk(diagnostics)

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        # Headers are analysed through the sources that include them.
        sources = [f for f in request.files if f.lower().endswith(SOURCE_SUFFIXES)]
        if not sources:
            return AnalysisResult()
        outcomes = [self._run_chunk(request, chunk) for chunk in batches(sources)]
        result = AnalysisResult()
        seen: set[ClangDiagnostic] = set()
        for chunk in outcomes:
            if chunk.error:
                return AnalysisResult(error=chunk.error)
            if chunk.timed_out_after is not None:
                result.timed_out_after = chunk.timed_out_after
            for diag in chunk.diagnostics:
                file = repo_relative(diag.file, request.repo)
                if not request.keeps(file) or diag in seen:
                    continue
                seen.add(diag)
                result.findings.append(
                    Finding(
                        file=file,
                        line=diag.line,
                        column=diag.column,
                        rule=diag.rule or "clang-diagnostic",
                        message=diag.message,
                        severity=SEVERITY.get(diag.level, "note"),
                        tool_severity=diag.level,
                    )
                )
        return result
