"""Did every planned platform build? The evidence of the build gate, and of publish's refusal.

A planned platform is one in matrix.json. Its outcome is its record in artifacts.json: built,
failed or skipped (with the reason `cipipe build` gave); a planned platform with no record is
"missing" (its build never ran, or ran in a work folder that was not collected). Only a
platform the policy lists in ``build.optional_platforms`` may be left out without rejecting
the build.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.gate import GateStatus
from cipipe.contracts.matrix import Matrix

NOT_BUILT = ("failed", "skipped", "missing")


@dataclass(frozen=True)
class NotBuilt:
    platform: str
    status: str  # one of NOT_BUILT
    reason: str | None

    def describe(self) -> str:
        return f"{self.platform} {self.status}" + (f": {self.reason}" if self.reason else "")


def not_built(
    planned: Iterable[str], outcomes: Iterable[tuple[str, str, str | None]]
) -> list[NotBuilt]:
    """The planned platforms that did not build, in plan order; ``outcomes`` are (platform,
    status, reason) as the build recorded them."""
    recorded = {platform: (status, reason) for platform, status, reason in outcomes}
    found = []
    for platform in planned:
        status, reason = recorded.get(platform, ("missing", None))
        if status == "missing" and reason is None:
            reason = (
                f"no record in artifacts.json (`cipipe build --platform {platform}` did not run)"
            )
        if status != "built":
            found.append(NotBuilt(platform, status, reason))
    return found


def split_optional(
    missing: Sequence[NotBuilt], optional: Collection[str]
) -> tuple[list[NotBuilt], list[NotBuilt]]:
    """(those that reject the build, those the policy lets it do without)."""
    return (
        [m for m in missing if m.platform not in optional],
        [m for m in missing if m.platform in optional],
    )


def judge_build(
    matrix: Matrix | None, artifacts: Artifacts | None, optional: Collection[str]
) -> tuple[GateStatus, str]:
    """The build gate's status and reason (fail closed: no plan or no outcome is missing)."""
    if matrix is None:
        return "missing", "matrix.json not found: `cipipe build-matrix` did not run"
    if artifacts is None:
        return "missing", "artifacts.json not found: `cipipe build` did not run"
    if artifacts.commit != matrix.commit:
        return "missing", (
            f"artifacts.json is of commit {artifacts.commit[:12]}, matrix.json of "
            f"{matrix.commit[:12]}: rerun `cipipe build`"
        )
    planned = [p.platform for p in matrix.platforms]
    outcomes = ((p.platform, p.status, p.reason) for p in artifacts.platforms)
    blocking, allowed = split_optional(not_built(planned, outcomes), optional)
    if blocking:
        return "failed", "; ".join(m.describe() for m in blocking)
    built = [p for p in planned if p not in {m.platform for m in allowed}]
    note = "built: " + (", ".join(built) or "no platform")
    if allowed:
        shown = "; ".join(m.describe() for m in allowed)
        return "warning", f"{note}; optional, not built: {shown}"
    return "passed", note
