"""cppcheck with an XML (version 2) report, which cipipe parses and later turns into SARIF."""

from __future__ import annotations

import os
from pathlib import Path

from cipipe.adapters.analyzers.interface import (
    FILES_PER_INVOCATION,
    SOURCE_SUFFIXES,
    AnalysisRequest,
    AnalysisResult,
    WorkUnit,
    failure_reason,
    repo_relative,
    run_tool,
    tool_version,
)
from cipipe.adapters.process import ProgramTimedOut
from cipipe.contracts.precheck import Finding, Severity
from cipipe.readers.compile_commands import compile_entries
from cipipe.readers.cppcheck_xml import (
    CppcheckError,
    CppcheckXmlError,
    parse_cppcheck_xml,
    parse_partial_cppcheck_xml,
)

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


def compiled_sources(db_dir: Path | None, repo: Path, sources: list[str]) -> list[str]:
    """The ``sources`` that ``db_dir/compile_commands.json`` compiles (none without one, or
    when it cannot be read: precheck found it readable)."""
    if db_dir is None or not sources:
        return []
    compiled = {os.path.normpath(Path(p).resolve()) for p in compile_entries(repo / db_dir)}
    top = repo.resolve()
    return [f for f in sources if os.path.normpath(top / f) in compiled]


def _analysis_files(build_dir: Path | None) -> dict[str, int]:
    """cppcheck's per-file results in its build folder and when each was written, by source
    file: one it did not rewrite is a file it did not analyse again. ``files.txt`` lists
    ``<result file>:<configuration>:<source>`` lines."""
    if build_dir is None:
        return {}
    try:
        lines = (build_dir / "files.txt").read_text(errors="replace").splitlines()
    except OSError:
        return {}
    stamps: dict[str, int] = {}
    for line in lines:
        name, _, rest = line.partition(":")
        source = rest.partition(":")[2]
        try:
            stamps[source] = (build_dir / name).stat().st_mtime_ns
        except OSError:
            continue
    return stamps


class Cppcheck:
    name = "cppcheck"
    default_executable = "cppcheck"
    work_unit: WorkUnit = "threaded-run"

    def version(self, executable: str) -> str | None:
        return tool_version(executable)

    def skip_reason(self, repo: Path) -> str | None:
        return None

    def _argv(self, request: AnalysisRequest) -> tuple[list[str], str | None]:
        """The command line, and the file list for its stdin (None: the compilation database
        names the files)."""
        argv = [
            request.executable,
            "--xml",
            "--xml-version=2",
            "--quiet",
            f"--enable={ENABLED}",
            "--inline-suppr",
            "--suppress=missingIncludeSystem",
            f"--std={request.std}",
            f"-j{max(1, request.jobs)}",
        ]
        if request.max_configs is not None:
            argv.append(f"--max-configs={request.max_configs}")
        if request.work_dir is not None:
            # Its documented incremental mode: a file whose checksum is unchanged is not
            # analysed again, while whole-program checks still see every file.
            argv.append(f"--cppcheck-build-dir={request.work_dir}")
        # Headers are checked through the sources that include them: alone, cppcheck sees
        # every struct member as unused. A change to headers only still checks the headers.
        sources = [f for f in request.files if f.lower().endswith(SOURCE_SUFFIXES)]
        listed = compiled_sources(request.compile_db_dir, request.repo, sources)
        # Selected sources that the database does not compile (a test file of a project whose
        # default configure leaves its tests out) would stop cppcheck with "could not find
        # any files matching the filter": without one listed, they are checked on their own.
        if request.compile_db_dir is not None and (listed or not sources):
            argv.append(f"--project={request.compile_db_dir / 'compile_commands.json'}")
            # Only the selected sources of the database (a long selection: all of it, and
            # the findings are filtered below).
            if listed and len(listed) <= FILES_PER_INVOCATION:
                argv += [f"--file-filter={request.repo.resolve() / f}" for f in listed]
            return [*argv, *request.args], None
        argv += [f"-I{d}" for d in request.include_dirs]
        argv.append("--file-list=-")
        return [*argv, *request.args], "\n".join(sources or request.files) + "\n"

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        argv, stdin_text = self._argv(request)
        before = _analysis_files(request.work_dir)
        try:
            code, _, stderr = run_tool(argv, request.repo, stdin_text, request.timeout)
        except ProgramTimedOut as exc:
            result = self._findings(request, parse_partial_cppcheck_xml(exc.stderr))
            result.timed_out_after = exc.timeout
            return result
        try:
            _, errors = parse_cppcheck_xml(stderr)
        except CppcheckXmlError:
            return AnalysisResult(error=failure_reason(self.name, code, stderr))
        result = self._findings(request, errors)
        after = _analysis_files(request.work_dir)
        wanted = {str(request.repo.resolve() / f) for f in request.files} | set(request.files)
        result.reused = sum(
            1 for source, stamp in after.items() if source in wanted and before.get(source) == stamp
        )
        return result

    def _findings(self, request: AnalysisRequest, errors: list[CppcheckError]) -> AnalysisResult:
        # With a compilation database cppcheck checks every file in it: the selection (the
        # changed files, the excludes) still decides which findings count.
        result = AnalysisResult()
        for error in errors:
            file = repo_relative(error.file, request.repo) if error.file else None
            if error.file and not request.keeps(file):
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
