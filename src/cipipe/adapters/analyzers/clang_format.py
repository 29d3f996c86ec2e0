"""clang-format in check mode: ``--dry-run --Werror`` with the repository's ``.clang-format``.

With the lines a change touches (``--scope changed``) it judges only those, as
``git clang-format --diff <merge-base>`` does: ``--lines=A:B`` per changed range, one file per
run (clang-format takes ``--lines`` for a single file). The whole files are checked first,
once, in batches: their count is reported for information, and a file with nothing to
reformat anywhere needs no second run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from cipipe.adapters.analyzers.interface import (
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
from cipipe.contracts.precheck import Finding, WholeFiles
from cipipe.readers.clang_diagnostics import parse_clang_diagnostics

RULE = "clang-format-violations"
VIOLATION_FLAG = "-Wclang-format-violations"


class ClangFormat:
    name = "clang-format"
    default_executable = "clang-format"
    work_unit: WorkUnit = "run"

    def version(self, executable: str) -> str | None:
        return tool_version(executable)

    def skip_reason(self, repo: Path) -> str | None:
        if (repo / ".clang-format").is_file() or (repo / "_clang-format").is_file():
            return None
        return "no .clang-format in the repository: there is no agreed style to check"

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        deadline = time.monotonic() + request.timeout
        whole = AnalysisResult()
        for chunk in batches(request.files):
            if not self._check(request, chunk, [], whole, deadline):
                break
        changed = request.changed_lines
        if changed is None or whole.error or whole.timed_out_after is not None:
            return whole
        return self._on_changed_lines(request, changed, whole.findings, deadline)

    def _on_changed_lines(
        self,
        request: AnalysisRequest,
        changed: Mapping[str, Sequence[tuple[int, int]]],
        whole: list[Finding],
        deadline: float,
    ) -> AnalysisResult:
        untidy = sorted({f.file for f in whole if f.file})
        result = AnalysisResult(
            whole_files=WholeFiles(findings=len(whole), files=len(untidy)),
            note=f"judged on the changed lines; the whole files hold {len(whole)} finding(s) "
            f"in {len(untidy)} file(s), not judged",
        )
        for file in untidy:
            ranges = changed.get(file)
            if ranges and not self._check(request, [file], ranges, result, deadline):
                break
        return result

    def _check(
        self,
        request: AnalysisRequest,
        files: list[str],
        ranges: Sequence[tuple[int, int]],
        result: AnalysisResult,
        deadline: float,
    ) -> bool:
        """Check ``files`` (on ``ranges`` only, when given) into ``result``; False when the
        check must stop (the tool failed or ran out of time)."""
        argv = [request.executable, "--dry-run", "--Werror", "--style=file", *request.args]
        argv += [f"--lines={first}:{last}" for first, last in ranges]
        try:
            left = max(deadline - time.monotonic(), 1.0)
            code, _, stderr = run_tool([*argv, "--", *files], request.repo, timeout=left)
        except ProgramTimedOut as exc:
            # What it reported in time stays; the remaining runs are not started.
            code, stderr = 0, exc.stderr
            result.timed_out_after = request.timeout
        # Anything else clang-format reports (a broken .clang-format, say) is not a finding.
        diagnostics = [d for d in parse_clang_diagnostics(stderr) if d.rule == VIOLATION_FLAG]
        if code != 0 and not diagnostics:
            result.error = failure_reason(self.name, code, stderr)
            return False
        result.findings += [
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
            for diag in diagnostics
        ]
        return result.timed_out_after is None
