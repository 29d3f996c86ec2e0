"""The gates of seed 11, each judged from the report that is its evidence.

Fail closed: a mandatory gate whose report does not exist is "missing", which rejects the
build like a failure; a report that says less than the configuration asks for (a smoke test
configured but not run) is missing evidence too. Non-blocking issues (warnings, flaky tests,
a small coverage drop) only make the verdict needs-attention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.gate import GateResult, GateStatus, Verdict
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.precheck import NO_RESULT_STATUSES, SEVERITY_ORDER, CheckResult, Precheck
from cipipe.contracts.repo_config import GATE_NAMES, RepoConfig
from cipipe.contracts.scan import ScanReport
from cipipe.contracts.testing import TestsReport
from cipipe.steps.gate.build_outcome import judge_build

STATIC_ANALYSERS = ("cppcheck", "clang-tidy")
FORMATTER = "clang-format"


@dataclass(frozen=True)
class GateInputs:
    """The reports in the work folder; None for one no step wrote."""

    config: RepoConfig
    precheck: Precheck | None
    tests: TestsReport | None
    scan: ScanReport | None
    artifacts: Artifacts | None
    # The planned platforms; None (no matrix.json) fails the build gate closed.
    matrix: Matrix | None = None


@dataclass(frozen=True)
class Judgement:
    status: GateStatus
    reason: str


def _missing(file: str, step: str) -> Judgement:
    return Judgement("missing", f"{file} not found: `cipipe {step}` did not run")


def _build(inputs: GateInputs) -> Judgement:
    status, reason = judge_build(
        inputs.matrix, inputs.artifacts, inputs.config.build.optional_platforms
    )
    return Judgement(status, reason)


def _unit_tests(inputs: GateInputs) -> Judgement:
    tests = inputs.tests
    if tests is None:
        return _missing(TestsReport.FILE_NAME, "test")
    # A run that found no test (ctest in a tree built without the project's tests) is no
    # evidence that anything works: it counts as not run.
    empty = [p.platform for p in tests.platforms if p.status == "ran" and p.counts.total == 0]
    ran = [p for p in tests.platforms if p.status == "ran" and p.counts.total > 0]
    found_none = (
        f"no test found on {', '.join(empty)} (are the project's tests built, e.g. a CMake "
        "option that turns them on?)"
        if empty
        else None
    )
    if not ran:
        return Judgement("missing", found_none or "tests ran on no platform")
    if tests.critical_failures:
        shown = ", ".join(tests.critical_failures[:5])
        more = len(tests.critical_failures) - 5
        return Judgement("failed", shown + (f" and {more} more" if more > 0 else ""))
    passed = sum(p.counts.passed for p in ran)
    notes = [f"{passed} passed on {', '.join(p.platform for p in ran)}"]
    not_run = [p for p in tests.platforms if p.status != "ran"]
    minor = sum(len(p.failures) for p in ran)
    if minor:
        notes.append(f"{minor} non-critical failure(s)")
    if found_none:
        notes.append(found_none)
    if not_run:
        notes.append("not run on " + ", ".join(f"{p.platform} ({p.reason})" for p in not_run))
    attention = minor or not_run or found_none
    return Judgement("warning" if attention else "passed", "; ".join(notes))


def _smoke(inputs: GateInputs) -> Judgement:
    tests = inputs.tests
    configured = sorted(
        name for name, p in inputs.config.platforms.items() if p.tests.smoke is not None
    )
    if not configured:
        return Judgement("skipped", "no smoke test configured in .cipipe.yaml")
    if tests is None:
        return _missing(TestsReport.FILE_NAME, "test")
    by_platform = {p.platform: p for p in tests.platforms}
    failed, missing, passed, not_run = [], [], [], []
    for name in configured:
        platform = by_platform.get(name)
        smoke = platform.smoke if platform is not None else None
        if platform is None or (platform.status == "ran" and smoke is None):
            missing.append(name)
        elif smoke is None or smoke.status != "ran":  # it runs even when unit tests do not
            not_run.append(name)
        elif smoke.passed:
            passed.append(name)
        else:
            failed.append(f"{name} ({smoke.reason or 'failed'})")
    if failed:
        return Judgement("failed", "smoke failed on " + ", ".join(failed))
    if missing:
        return Judgement("missing", "no smoke result for " + ", ".join(missing))
    if not passed:
        return Judgement("missing", "smoke ran on no platform")
    note = "passed on " + ", ".join(passed)
    if not_run:
        return Judgement("warning", f"{note}; not run on {', '.join(not_run)}")
    return Judgement("passed", note)


def _check(precheck: Precheck, name: str) -> CheckResult | None:
    return next((c for c in precheck.checks if c.name == name), None)


def at_or_above(check: CheckResult) -> int:
    """Findings at or above the check's fail_on, from its counts (older files hold no fail_on
    and judged errors only, which is the default)."""
    floor = SEVERITY_ORDER[check.fail_on]
    counts = check.counts.model_dump()
    return sum(n for severity, n in counts.items() if SEVERITY_ORDER[severity] >= floor)


def _judge_check(check: CheckResult, problem: str | None) -> tuple[str, str] | None:
    """(failed | warning, text) for a check with a ``problem``: it fails the gate only when
    blocking, as it failed precheck; a required tool that gave no result always does."""
    if problem is None:
        return None
    if check.status in NO_RESULT_STATUSES:
        return ("failed", problem) if check.required else None
    return ("failed" if check.blocking else "warning", problem)


def _problem(check: CheckResult, *, files: bool = False) -> str | None:
    if check.status == "not-run" and check.reason:
        # "tool too old (needs clang-format 16)": what to install, without the file's detail.
        return f"{check.name} not-run ({check.reason.split(': ', 1)[0]})"
    if check.status in NO_RESULT_STATUSES:
        return f"{check.name} {check.status}"
    if check.status == "incomplete":
        after = f" (timed out after {check.timed_out_after:g} s)" if check.timed_out_after else ""
        return f"{check.name} incomplete{after}"
    bad = at_or_above(check) if check.status == "ran" else 0
    if not bad:
        return None
    if files:
        count = len({f.file for f in check.findings if f.file}) or check.files_with_findings
        return f"{count} file(s) not formatted ({bad} finding(s))"
    return f"{check.name}: {bad} finding(s) at or above {check.fail_on}"


def _combined(judged: list[tuple[str, str]], passed: Judgement) -> Judgement:
    if not judged:
        return passed
    status: GateStatus = "failed" if any(s == "failed" for s, _ in judged) else "warning"
    texts = [t + ("" if s == "failed" else " (not blocking)") for s, t in judged]
    return Judgement(status, "; ".join(texts))


def _static_analysis(inputs: GateInputs) -> Judgement:
    if inputs.precheck is None:
        return _missing(Precheck.FILE_NAME, "precheck")
    judged, ran, idle = [], [], []
    for name in STATIC_ANALYSERS:
        check = _check(inputs.precheck, name)
        if check is None:
            continue
        if check.status in ("ran", "incomplete"):
            ran.append(name)
        else:
            idle.append(f"{name} {check.status}" + (f" ({check.reason})" if check.reason else ""))
        if problem := _judge_check(check, _problem(check)):
            judged.append(problem)
    if not ran and not judged:
        # Say why: "no files to check" (a change that touches no C/C++) differs from disabled.
        return Judgement("skipped", "no static analyser ran: " + (", ".join(idle) or "none set"))
    return _combined(judged, Judgement("passed", f"no critical finding from {', '.join(ran)}"))


def _formatting(inputs: GateInputs) -> Judgement:
    if inputs.precheck is None:
        return _missing(Precheck.FILE_NAME, "precheck")
    check = _check(inputs.precheck, FORMATTER)
    if check is None or check.status == "disabled":
        return Judgement("skipped", f"{FORMATTER} disabled")
    if check.status == "skipped" or (check.status in NO_RESULT_STATUSES and not check.required):
        return Judgement("skipped", f"{FORMATTER} {check.status}")
    judged = _judge_check(check, _problem(check, files=True))
    passed = Judgement("passed", f"{check.files_checked} file(s) formatted")
    return _combined([judged] if judged else [], passed)


def _security(inputs: GateInputs) -> Judgement:
    scan = inputs.scan
    if scan is None:
        return _missing(ScanReport.FILE_NAME, "scan")
    if scan.blocking:
        return Judgement("failed", "blocking vulnerabilities: " + ", ".join(scan.blocking[:5]))
    counts = scan.counts
    note = f"no blocking finding ({counts.high} high, {counts.medium} medium)"
    if scan.warnings:
        # Say what needs attention: "advisories not checked" differs from a medium finding.
        return Judgement("warning", "; ".join([note, *scan.warnings[:3]]))
    return Judgement("passed", note)


def _coverage(inputs: GateInputs) -> Judgement:
    configured = [n for n, p in inputs.config.platforms.items() if p.tests.coverage is not None]
    if not configured:
        return Judgement("skipped", "no coverage configured in .cipipe.yaml")
    tests = inputs.tests
    if tests is None:
        return _missing(TestsReport.FILE_NAME, "test")
    limit = inputs.config.gate.coverage_max_drop
    results = {p.platform: p.coverage for p in tests.platforms if p.coverage is not None}
    if not results:
        return Judgement("missing", "no coverage report for " + ", ".join(sorted(configured)))
    drops = {n: -c.line_delta for n, c in results.items() if c.line_delta and c.line_delta < 0}
    worst = max(drops.items(), key=lambda item: item[1], default=None)
    if worst and worst[1] > limit:
        return Judgement(
            "failed", f"line coverage on {worst[0]} fell {worst[1]:.2f} points (> {limit:g})"
        )
    if worst:
        return Judgement("warning", f"line coverage on {worst[0]} fell {worst[1]:.2f} points")
    lines = [
        f"{n} {c.line_percent:.1f}%" + ("" if c.baseline else " (no baseline)")
        for n, c in sorted(results.items())
        if c.line_percent is not None
    ]
    return Judgement("passed", ", ".join(lines) or "measured")


def _reproducibility(inputs: GateInputs) -> Judgement:
    if not inputs.config.build.require_reproducible:
        return Judgement("skipped", "not required (build.require_reproducible)")
    artifacts = inputs.artifacts
    if artifacts is None:
        return _missing(Artifacts.FILE_NAME, "build")
    check = artifacts.reproducibility
    if not check.checked:
        return Judgement(
            "missing", "required but not checked: run `cipipe build --check-reproducible`"
        )
    if check.differing:
        return Judgement("failed", "differ between two builds: " + ", ".join(check.differing))
    return Judgement("passed", f"{len(artifacts.artifacts)} artifact(s) rebuilt bit for bit")


def _warnings(inputs: GateInputs) -> Judgement:
    if inputs.precheck is None:
        return _missing(Precheck.FILE_NAME, "precheck")
    count = sum(c.counts.warning for c in inputs.precheck.checks)
    if count:
        return Judgement("warning", f"{count} analyser warning(s) in precheck.sarif")
    return Judgement("passed", "no analyser warning")


def _flaky(inputs: GateInputs) -> Judgement:
    if inputs.tests is None:
        return _missing(TestsReport.FILE_NAME, "test")
    flaky = [f"{p.platform}: {name}" for p in inputs.tests.platforms for name in p.flaky]
    if flaky:
        return Judgement("warning", f"{len(flaky)} flaky test(s): " + ", ".join(flaky[:5]))
    return Judgement("passed", "no flaky test")


MANDATORY_KINDS: dict[str, tuple[Callable[[GateInputs], Judgement], str]] = {
    "build": (_build, Artifacts.FILE_NAME),
    "unit-tests": (_unit_tests, TestsReport.FILE_NAME),
    "integration-smoke": (_smoke, TestsReport.FILE_NAME),
    "static-analysis": (_static_analysis, Precheck.FILE_NAME),
    "formatting": (_formatting, Precheck.FILE_NAME),
    "security": (_security, ScanReport.FILE_NAME),
    "coverage": (_coverage, TestsReport.FILE_NAME),
    "reproducibility": (_reproducibility, Artifacts.FILE_NAME),
}
# Never blocking: they only ask for attention.
ADVISORY: dict[str, tuple[Callable[[GateInputs], Judgement], str]] = {
    "warnings": (_warnings, Precheck.FILE_NAME),
    "flaky-tests": (_flaky, TestsReport.FILE_NAME),
}
assert tuple(MANDATORY_KINDS) == GATE_NAMES


def evaluate(inputs: GateInputs) -> list[GateResult]:
    mandatory = set(inputs.config.gate.mandatory)
    results = []
    for name, (judge, evidence) in [*MANDATORY_KINDS.items(), *ADVISORY.items()]:
        judgement = judge(inputs)
        is_mandatory = name in mandatory
        status = judgement.status
        if not is_mandatory and status in ("failed", "missing"):
            status = "warning"  # configured as non-blocking: it asks for attention
        results.append(
            GateResult(
                name=name,
                mandatory=is_mandatory,
                status=status,
                evidence=evidence,
                reason=judgement.reason,
            )
        )
    return results


def verdict(gates: list[GateResult]) -> tuple[Verdict, str]:
    blocking = [g for g in gates if g.mandatory and g.status in ("failed", "missing")]
    if blocking:
        names = ", ".join(f"{g.name} ({g.status})" for g in blocking)
        return "rejected", f"rejected: {names}"
    attention = [g.name for g in gates if g.status == "warning"]
    if attention:
        return "needs-attention", "needs attention: " + ", ".join(attention)
    return "passed", "passed: every gate"
