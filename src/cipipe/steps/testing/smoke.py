"""The integration smoke test (seed 5.2): start the built program, ask it one thing, check.

It runs in an empty temporary folder, never in the checkout: a program that writes a ``logs/``
or a cache where it starts must not leave untracked files in the repository. A relative program
path (``build/linux/app``) is the repository's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.contracts.matrix import SmokePlan
from cipipe.contracts.testing import SmokeResult

OUTPUT_KEPT = 2000


def _program_in(repo: Path, argv: list[str]) -> list[str]:
    program = Path(argv[0])
    if not program.is_absolute() and len(program.parts) > 1:
        return [str(repo / program), *argv[1:]]
    return argv


def run_smoke(smoke: SmokePlan, argv: list[str], prefix: list[str], repo: Path) -> SmokeResult:
    command = [*prefix, *_program_in(repo, argv)]
    with tempfile.TemporaryDirectory(prefix="cipipe-smoke-") as folder:
        try:
            result = run_program(command, cwd=Path(folder), timeout=smoke.timeout_seconds)
        except (ProgramNotFound, ProgramTimedOut) as exc:
            return SmokeResult(
                command=argv, passed=False, exit_code=None, reason=str(exc), output=""
            )
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


def not_run(argv: list[str], reason: str) -> SmokeResult:
    return SmokeResult(
        command=argv, status="not-run", passed=False, exit_code=None, reason=reason, output=""
    )
