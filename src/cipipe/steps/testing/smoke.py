"""The integration smoke test (seed 5.2): start the built program, ask it one thing, check."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.contracts.matrix import SmokePlan
from cipipe.contracts.testing import SmokeResult

OUTPUT_KEPT = 2000


def run_smoke(smoke: SmokePlan, argv: list[str], prefix: list[str], cwd: Path) -> SmokeResult:
    try:
        result = run_program([*prefix, *argv], cwd=cwd, timeout=smoke.timeout_seconds)
    except (ProgramNotFound, ProgramTimedOut) as exc:
        return SmokeResult(command=argv, passed=False, exit_code=None, reason=str(exc), output="")
    reasons = []
    if result.returncode != smoke.expect_exit:
        reasons.append(f"exited {result.returncode}, expected {smoke.expect_exit}")
    if smoke.expect_output is not None and smoke.expect_output not in result.stdout:
        reasons.append(f"output lacks {smoke.expect_output!r}")
    return SmokeResult(
        command=argv,
        passed=not reasons,
        exit_code=result.returncode,
        reason="; ".join(reasons) or None,
        output=result.stdout[-OUTPUT_KEPT:],
    )
