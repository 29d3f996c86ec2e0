"""What a coverage report says, whichever tool wrote it: counts, not rates.

The test step records line and branch coverage from gcovr's Cobertura XML or an lcov tracefile.
Both readers return the same ``CoverageSummary`` so the step and the decision after it never
care which format a team uses. Counts are kept (not the tools' rounded rates) so that a report
that measured nothing reads as "unknown" (``None``) rather than 0 % or 100 %, and so that a
delta against a baseline is exact. A missing baseline gives no delta at all, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cipipe.errors import ReaderError

CoverageFormat = Literal["cobertura", "lcov"]

_LCOV_MARKERS = ("TN:", "SF:", "DA:", "end_of_record")


class CoverageReportError(ReaderError):
    pass


@dataclass(frozen=True)
class CoverageSummary:
    format: CoverageFormat
    lines_valid: int
    lines_covered: int
    branches_valid: int
    branches_covered: int

    def __post_init__(self) -> None:
        for kind in ("lines", "branches"):
            valid: int = getattr(self, f"{kind}_valid")
            covered: int = getattr(self, f"{kind}_covered")
            if valid < 0 or covered < 0:
                raise CoverageReportError(f"negative {kind} count ({covered}/{valid})")
            if covered > valid:
                raise CoverageReportError(f"more {kind} covered than valid ({covered}/{valid})")

    @property
    def line_percent(self) -> float | None:
        """Covered lines in percent; None when the report has no lines (unknown, not 0 %)."""
        return _percent(self.lines_covered, self.lines_valid)

    @property
    def branch_percent(self) -> float | None:
        """Covered branches in percent; None when the report has no branches."""
        return _percent(self.branches_covered, self.branches_valid)


@dataclass(frozen=True)
class CoverageDelta:
    """Change from a baseline in percentage points; None where either side is unknown."""

    line: float | None
    branch: float | None


def coverage_delta(
    current: CoverageSummary, baseline: CoverageSummary | None
) -> CoverageDelta | None:
    """``current - baseline`` in percentage points; None when there is no baseline."""
    if baseline is None:
        return None
    return CoverageDelta(
        line=_difference(current.line_percent, baseline.line_percent),
        branch=_difference(current.branch_percent, baseline.branch_percent),
    )


def detect_and_parse(text: str) -> CoverageSummary:
    """Parse a Cobertura XML report or an lcov tracefile, whichever ``text`` is."""
    # The readers import CoverageSummary from here, so they are imported late.
    from cipipe.readers.cobertura import parse_cobertura
    from cipipe.readers.lcov import parse_lcov

    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("<"):
        if "<coverage" in body:
            return parse_cobertura(text)
        raise CoverageReportError("XML or HTML without a <coverage> element")
    if any(line.strip().startswith(_LCOV_MARKERS) for line in body.splitlines()):
        return parse_lcov(text)
    raise CoverageReportError("neither Cobertura XML nor an lcov tracefile")


def _percent(covered: int, valid: int) -> float | None:
    return 100.0 * covered / valid if valid else None


def _difference(current: float | None, baseline: float | None) -> float | None:
    if current is None or baseline is None:
        return None
    return current - baseline
