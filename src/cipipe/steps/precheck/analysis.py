"""Running the analysers: every check's work as jobs on one scheduler, results cached.

clang-tidy is per file by nature: one job per source file, each with its own time limit and
cache entry. cppcheck runs once over every file in scope, with ``-j`` its share of the budget
and its build folder in the cache (its whole-program checks need all files at once; its build
folder is the incremental mode it documents). clang-format runs once over the files. A run
over files that are all unchanged is a cache hit as a whole and starts no tool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cipipe.adapters.analyzers.interface import SOURCE_SUFFIXES, AnalysisResult
from cipipe.contracts.precheck import CheckResult, Finding, WholeFiles
from cipipe.steps.precheck.cache import ResultCache
from cipipe.steps.precheck.checks import Ready, analyze_safely, finished
from cipipe.steps.precheck.keys import KeyContext, file_key, folder_key, run_key
from cipipe.steps.precheck.schedule import Job, run_jobs


@dataclass(frozen=True)
class Analysis:
    """What every check of one precheck shares: the result cache, what its keys are made
    of, and the CPU budget."""

    cache: ResultCache
    keys: KeyContext
    budget: int


@dataclass
class _Piece:
    """What one job gave."""

    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    from_cache: int = 0
    timed_out_file: str | None = None
    tool_stopped_after: float | None = None
    # clang-format on changed lines: what the whole files hold, for information.
    whole_files: WholeFiles | None = None
    note: str | None = None


class _Clock:
    """A check's time limit, counted from the start of its first job; and its duration."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._start: float | None = None
        self._end: float | None = None

    def remaining(self) -> float:
        with self._lock:
            now = time.monotonic()
            if self._start is None:
                self._start = now
            return self.limit - (now - self._start)

    def finished(self) -> None:
        with self._lock:
            self._end = time.monotonic()

    def duration(self) -> float:
        if self._start is None or self._end is None:
            return 0.0
        return round(self._end - self._start, 3)


def _size(repo: Path, files: Sequence[str]) -> int:
    total = 0
    for file in files:
        try:
            total += (repo / file).stat().st_size
        except OSError:
            continue
    return total


def _file_job(ready: Ready, file: str, clock: _Clock, analysis: Analysis) -> _Piece:
    name, version, policy = ready.analyzer.name, ready.tool.version, ready.policy
    # A file analysed alone is judged whole (only clang-format, one run over the change, judges
    # changed lines), so its result and key do not depend on the scope.
    request = replace(ready.request, files=[file], report_whole_repo=True, changed_lines=None)
    key = file_key(name, version, request, analysis.keys, file)
    cached = analysis.cache.load(name, key)
    if cached is not None:
        return _Piece(cached, from_cache=1)
    remaining = clock.remaining()
    if remaining <= 0:
        return _Piece(tool_stopped_after=policy.timeout_seconds)
    limit = min(policy.file_timeout_seconds, remaining)
    outcome = analyze_safely(ready.analyzer, replace(request, timeout=limit))
    clock.finished()
    if outcome.error:
        return _Piece(error=outcome.error)
    if outcome.timed_out_after is not None:
        if limit < policy.file_timeout_seconds:  # the check's own limit came first
            return _Piece(outcome.findings, tool_stopped_after=policy.timeout_seconds)
        return _Piece(outcome.findings, timed_out_file=file)
    analysis.cache.store(name, key, outcome.findings)
    return _Piece(outcome.findings)


def _run_job(ready: Ready, slots: int, clock: _Clock, analysis: Analysis) -> _Piece:
    name, version, request = ready.analyzer.name, ready.tool.version, ready.request
    key = run_key(name, version, request, analysis.keys)
    cached = analysis.cache.load_result(name, key)
    if cached is not None:
        return _Piece(
            cached.findings,
            from_cache=len(request.files),
            whole_files=cached.whole_files,
            note=cached.note,
        )
    timeout = clock.remaining()
    if ready.analyzer.work_unit == "threaded-run":
        with analysis.cache.tool_folder(name, folder_key(name, version, request)) as folder:
            request = replace(request, jobs=slots, work_dir=folder, timeout=timeout)
            outcome = analyze_safely(ready.analyzer, request)
    else:
        outcome = analyze_safely(ready.analyzer, replace(request, timeout=timeout))
    clock.finished()
    piece = _Piece(
        outcome.findings,
        error=outcome.error,
        from_cache=outcome.reused,
        whole_files=outcome.whole_files,
        note=outcome.note,
    )
    if outcome.timed_out_after is not None:
        piece.tool_stopped_after = ready.policy.timeout_seconds
    elif not outcome.error:
        analysis.cache.store(
            name, key, outcome.findings, whole_files=outcome.whole_files, note=outcome.note
        )
    return piece


def _jobs(ready: Ready, clock: _Clock, analysis: Analysis) -> list[Job[_Piece]]:
    repo, files = ready.request.repo, ready.request.files
    sources = [f for f in files if f.lower().endswith(SOURCE_SUFFIXES)]
    # One job per source file (headers are analysed through the sources that include them).
    if ready.analyzer.work_unit == "file":
        return [
            Job(lambda f=f: _file_job(ready, f, clock, analysis), size=_size(repo, [f]))  # type: ignore[misc]
            for f in sources
        ]
    threaded = ready.analyzer.work_unit == "threaded-run"
    slots = min(analysis.budget, max(1, len(sources))) if threaded else 1
    return [
        Job(lambda: _run_job(ready, slots, clock, analysis), size=_size(repo, files), slots=slots)
    ]


def _merged(ready: Ready, pieces: Sequence[_Piece], clock: _Clock) -> CheckResult:
    """One check's result from its jobs: findings once each (a header's finding comes from
    every source that includes it), the files that timed out, what came from the cache."""
    outcome = AnalysisResult()
    seen: set[tuple[object, ...]] = set()
    # A file's cached result holds its findings in every file of the repository (the headers
    # it includes): those of the files in scope are this check's.
    in_scope = frozenset(ready.request.files)
    for piece in pieces:
        if piece.error:
            outcome = AnalysisResult(error=piece.error)
            break
        if piece.tool_stopped_after is not None:
            outcome.timed_out_after = piece.tool_stopped_after
        if piece.whole_files is not None:
            outcome.whole_files, outcome.note = piece.whole_files, piece.note
        for finding in piece.findings:
            identity = tuple(finding.model_dump().values())
            kept = finding.file is None or finding.file in in_scope
            if kept and identity not in seen:
                seen.add(identity)
                outcome.findings.append(finding)
    timed_out = sorted(p.timed_out_file for p in pieces if p.timed_out_file)
    if timed_out and outcome.timed_out_after is None:
        outcome.timed_out_after = ready.policy.file_timeout_seconds
    result = finished(
        ready,
        outcome,
        from_cache=sum(p.from_cache for p in pieces),
        timed_out_files=timed_out,
    )
    result.duration_seconds = clock.duration()
    return result


def run_checks(checks: Sequence[CheckResult | Ready], analysis: Analysis) -> list[CheckResult]:
    """Every check that will run, as jobs on one scheduler; the results in ``checks``' order
    (a check that does not run is its own result)."""
    jobs: list[Job[_Piece]] = []
    spans: dict[int, tuple[int, int, _Clock]] = {}
    for index, check in enumerate(checks):
        if isinstance(check, Ready):
            clock = _Clock(check.policy.timeout_seconds)
            own = _jobs(check, clock, analysis)
            spans[index] = (len(jobs), len(jobs) + len(own), clock)
            jobs += own
    pieces = run_jobs(jobs, analysis.budget)
    results: list[CheckResult] = []
    for index, check in enumerate(checks):
        if isinstance(check, Ready):
            start, end, clock = spans[index]
            results.append(_merged(check, pieces[start:end], clock))
        else:
            results.append(check)
    return results
