"""clang-format in check mode: ``--dry-run --Werror`` with the repository's ``.clang-format``."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.analyzers.interface import (
    AnalysisRequest,
    AnalysisResult,
    batches,
    failure_reason,
    repo_relative,
    run_tool,
    tool_version,
)
from cipipe.adapters.process import ProgramTimedOut
from cipipe.contracts.precheck import Finding
from cipipe.readers.clang_diagnostics import parse_clang_diagnostics

RULE = "clang-format-violations"
VIOLATION_FLAG = "-Wclang-format-violations"


class ClangFormat:
    name = "clang-format"
    default_executable = "clang-format"

    def version(self, executable: str) -> str | None:
        return tool_version(executable)

    def skip_reason(self, repo: Path) -> str | None:
        if (repo / ".clang-format").is_file() or (repo / "_clang-format").is_file():
            return None
        return "no .clang-format in the repository: there is no agreed style to check"

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        result = AnalysisResult()
        for chunk in batches(request.files):
            argv = [request.executable, "--dry-run", "--Werror", "--style=file", *request.args]
            try:
                code, _, stderr = run_tool(
                    [*argv, "--", *chunk], request.repo, timeout=request.timeout
                )
            except ProgramTimedOut as exc:
                # What it reported in time stays; the remaining batches are not started.
                code, stderr = 0, exc.stderr
                result.timed_out_after = exc.timeout
            # Anything else clang-format reports (a broken .clang-format, say) is not a finding.
            diagnostics = [d for d in parse_clang_diagnostics(stderr) if d.rule == VIOLATION_FLAG]
            if code != 0 and not diagnostics:
                result.error = failure_reason(self.name, code, stderr)
                return result
            for diag in diagnostics:
                result.findings.append(
                    Finding(
                        file=repo_relative(diag.file, request.repo),
                        line=diag.line,
                        column=diag.column,
                        rule=RULE,
                        message="code should be clang-formatted",
                        # --Werror makes every violation an error; the policy decides if it blocks.
                        severity="error",
                        tool_severity=diag.level,
                    )
                )
            if result.timed_out_after is not None:
                break
        return result
