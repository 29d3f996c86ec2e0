"""lcov tracefiles (``.info``), as ``lcov --capture`` and gcovr ``--lcov`` write them.

TN:
SF:/src/a.cpp
DA:4,1                  line 4 ran once (gcovr adds a third field, a checksum)
BRDA:4,0,1,-            line 4, block 0, branch 1: "-" = its block never ran, so never taken
BRF:2  BRH:1  LF:11  LH:4
end_of_record

A tracefile can hold the same source file in several records (one per test run, or the
concatenation of several runs' files). Such records are merged per line: a line or branch is
covered when any run covered it, as ``lcov --add-tracefile`` does. The per-record totals
(LF/LH, BRF/BRH) cannot be merged that way and ``lcov --capture`` leaves them out, so they are
used only for a file that has no DA/BRDA lines at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cipipe.readers.coverage import CoverageReportError, CoverageSummary

_KEY = re.compile(r"[A-Z][A-Z_]*")
_INTEGER = re.compile(r"-?[0-9]{1,30}")
# Records that only make sense inside an SF: ... end_of_record block.
_IN_RECORD = frozenset({"DA", "BRDA", "LF", "LH", "BRF", "BRH"})


@dataclass
class _File:
    lines: dict[int, int] = field(default_factory=dict)
    branches: dict[tuple[int, str], int] = field(default_factory=dict)
    # Largest LF/LH/BRF/BRH seen over this file's records; None when never given.
    lf: int | None = None
    lh: int | None = None
    brf: int | None = None
    brh: int | None = None


def parse_lcov(text: str) -> CoverageSummary:
    """Line and branch counts of an lcov tracefile, repeated files merged per line."""
    files: dict[str, _File] = {}
    current: tuple[str, _File] | None = None
    recognised = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if current is None:
                raise CoverageReportError(f"line {number}: end_of_record outside a record")
            current = None
            recognised = True
            continue
        key, sep, value = line.partition(":")
        if not sep or not _KEY.fullmatch(key):
            raise CoverageReportError(f"line {number}: not an lcov tracefile line: {line[:60]!r}")
        recognised = True
        if key == "SF":
            if current is not None:
                raise CoverageReportError(f"line {number}: SF before end_of_record of {current[0]}")
            if not value:
                raise CoverageReportError(f"line {number}: SF without a file name")
            current = (value, files.setdefault(value, _File()))
            continue
        if key not in _IN_RECORD:
            continue  # TN, VER, FN, FNDA, FNF, FNH and whatever later lcov versions add
        if current is None:
            raise CoverageReportError(f"line {number}: {key} outside an SF record")
        try:
            _apply(current[1], key, value)
        except CoverageReportError as exc:
            raise CoverageReportError(f"line {number}: {exc}") from None
    if current is not None:
        raise CoverageReportError(f"truncated tracefile: no end_of_record for {current[0]}")
    if not recognised:
        raise CoverageReportError("empty input, not an lcov tracefile")
    return _summarise(files)


def _apply(data: _File, key: str, value: str) -> None:
    if key == "DA":
        parts = value.split(",")
        if len(parts) < 2:
            raise CoverageReportError(f"DA needs line,hits: {value!r}")
        line, hits = _int(parts[0], "DA line"), _int(parts[1], "DA hits")
        data.lines[line] = data.lines.get(line, 0) + hits
    elif key == "BRDA":
        parts = value.split(",")
        if len(parts) < 4:
            raise CoverageReportError(f"BRDA needs line,block,branch,taken: {value!r}")
        line = _int(parts[0], "BRDA line")
        taken = 0 if parts[-1] == "-" else _int(parts[-1], "BRDA taken")
        # Block and branch are ids, not numbers: lcov 2 writes "e0" blocks and expressions.
        branch = (line, ",".join(parts[1:-1]))
        data.branches[branch] = data.branches.get(branch, 0) + taken
    else:
        count = _int(value, key)
        attr = key.lower()
        seen: int | None = getattr(data, attr)
        setattr(data, attr, count if seen is None else max(seen, count))


def _summarise(files: dict[str, _File]) -> CoverageSummary:
    totals = [0, 0, 0, 0]
    for name, data in files.items():
        if data.lines:
            lines = (len(data.lines), sum(1 for hits in data.lines.values() if hits > 0))
        else:
            lines = (data.lf or 0, data.lh or 0)
        if data.branches:
            branches = (
                len(data.branches),
                sum(1 for taken in data.branches.values() if taken > 0),
            )
        else:
            branches = (data.brf or 0, data.brh or 0)
        if lines[1] > lines[0] or branches[1] > branches[0]:
            raise CoverageReportError(f"{name}: more covered than found (LH > LF or BRH > BRF)")
        for index, count in enumerate((*lines, *branches)):
            totals[index] += count
    return CoverageSummary(
        format="lcov",
        lines_valid=totals[0],
        lines_covered=totals[1],
        branches_valid=totals[2],
        branches_covered=totals[3],
    )


def _int(value: str, what: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise CoverageReportError(f"{what} is not an integer: {value!r}")
    number = int(value)
    if number < 0:
        raise CoverageReportError(f"{what} is negative: {value!r}")
    return number
