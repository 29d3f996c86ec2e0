"""cppcheck with an XML (version 2) report, which cipipe parses and later turns into SARIF."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.analyzers.interface import (
    SOURCE_SUFFIXES,
    AnalysisRequest,
    AnalysisResult,
    failure_reason,
    repo_relative,
    run_tool,
    tool_version,
)
from cipipe.contracts.precheck import Finding, Severity
from cipipe.readers.cppcheck_xml import CppcheckXmlError, parse_cppcheck_xml

# Seed 2.2 asks for a smoke test: the checks that find bugs, not every style opinion.
ENABLED = "warning,style,performance,portability"
SEVERITY: dict[str, Severity] = {
    "error": "error",
    "warning": "warning",
    "portability": "warning",
    "performance": "warning",
    "style": "note",
    "information": "note",
}


class Cppcheck:
    name = "cppcheck"
    default_executable = "cppcheck"

    def version(self, executable: str) -> str | None:
        return tool_version(executable)

    def skip_reason(self, repo: Path) -> str | None:
        return None

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        # Headers are checked through the sources that include them: alone, cppcheck sees
        # every struct member as unused. A change to headers only still checks the headers.
        sources = [f for f in request.files if f.lower().endswith(SOURCE_SUFFIXES)]
        targets = sources or request.files
        argv = [
            request.executable,
            "--xml",
            "--xml-version=2",
            "--quiet",
            f"--enable={ENABLED}",
            "--inline-suppr",
            "--suppress=missingIncludeSystem",
            f"--std={request.std}",
        ]
        stdin_text = None
        if request.compile_db_dir is not None:
            argv.append(f"--project={request.compile_db_dir / 'compile_commands.json'}")
        else:
            argv += [f"-I{d}" for d in request.include_dirs]
            argv.append("--file-list=-")
            stdin_text = "\n".join(targets) + "\n"
        code, _, stderr = run_tool([*argv, *request.args], request.repo, stdin_text=stdin_text)
        try:
            _, errors = parse_cppcheck_xml(stderr)
        except CppcheckXmlError:
            return AnalysisResult(error=failure_reason(self.name, code, stderr))
        wanted = set(request.files)
        result = AnalysisResult()
        for error in errors:
            file = repo_relative(error.file, request.repo) if error.file else None
            if error.file and file not in wanted:
                continue  # a file outside the checked set (excluded, or out of scope)
            result.findings.append(
                Finding(
                    file=file,
                    line=error.line,
                    column=error.column,
                    rule=error.id,
                    message=error.message,
                    severity=SEVERITY.get(error.severity, "note"),
                    tool_severity=error.severity,
                )
            )
        return result
