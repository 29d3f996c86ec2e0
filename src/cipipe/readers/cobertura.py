"""Cobertura XML coverage reports, as gcovr ``--cobertura`` / ``--xml`` writes them.

<coverage line-rate="0.57" branch-rate="0.5" lines-covered="11" lines-valid="19"
          branches-covered="6" branches-valid="12" version="gcovr 8.8">
  <packages><package name=""><classes>
    <class name="a_cpp" filename="a.cpp"><methods>...</methods><lines>
      <line number="4" hits="1" branch="true" condition-coverage="50% (1/2)"/>
    </lines></class>
  </classes></package></packages>
</coverage>

gcovr (3.4 up to 8.x) writes the totals on the root element and those are taken as they are.
Older writers (Cobertura 1.x, hand-rolled converters) give only the rounded ``line-rate``, so
the counts are made from the ``<line>`` elements instead. A line is listed both under its
``<method>`` and its ``<class>`` (gcovr 8), and a file can be split into several classes
(inner classes), so each file + line number is counted once.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from cipipe.readers.coverage import CoverageReportError, CoverageSummary

_INTEGER = re.compile(r"-?[0-9]{1,30}")
_CONDITIONS = re.compile(r"\(\s*(-?\d+)\s*/\s*(-?\d+)\s*\)")


@dataclass(frozen=True)
class _Line:
    hits: int
    branches_valid: int
    branches_covered: int


def parse_cobertura(text: str) -> CoverageSummary:
    """Line and branch counts of a Cobertura XML report."""
    body = text.lstrip("\ufeff \t\r\n")
    if "<!ENTITY" in body:
        # No coverage writer declares entities; refusing them keeps entity expansion out.
        raise CoverageReportError("Cobertura report declares XML entities")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise CoverageReportError(f"malformed Cobertura XML: {exc}") from None
    if root.tag != "coverage":
        raise CoverageReportError(f"not a Cobertura report: root element is <{root.tag}>")

    lines_total = _root_pair(root, "lines")
    branches_total = _root_pair(root, "branches")
    if lines_total is None or branches_total is None:
        counted = _count_lines(root)
        if lines_total is None:
            lines_total = (
                len(counted),
                sum(1 for line in counted.values() if line.hits > 0),
            )
        if branches_total is None:
            branches_total = (
                sum(line.branches_valid for line in counted.values()),
                sum(line.branches_covered for line in counted.values()),
            )
    return CoverageSummary(
        format="cobertura",
        lines_valid=lines_total[0],
        lines_covered=lines_total[1],
        branches_valid=branches_total[0],
        branches_covered=branches_total[1],
    )


def _root_pair(root: ET.Element, kind: str) -> tuple[int, int] | None:
    """(valid, covered) from the root's ``{kind}-valid`` / ``{kind}-covered``, if both are set."""
    valid = root.get(f"{kind}-valid")
    covered = root.get(f"{kind}-covered")
    if valid is None or covered is None:
        return None
    return _int(valid, f"{kind}-valid"), _int(covered, f"{kind}-covered")


def _count_lines(root: ET.Element) -> dict[tuple[str, int], _Line]:
    lines: dict[tuple[str, int], _Line] = {}
    for cls in root.iter("class"):
        filename = cls.get("filename") or cls.get("name") or ""
        for el in cls.iter("line"):
            number = _int(el.get("number"), "line number")
            line = _read_line(el)
            key = (filename, number)
            seen = lines.get(key)
            if seen is not None:
                line = _Line(
                    hits=max(seen.hits, line.hits),
                    branches_valid=max(seen.branches_valid, line.branches_valid),
                    branches_covered=max(seen.branches_covered, line.branches_covered),
                )
            lines[key] = line
    return lines


def _read_line(el: ET.Element) -> _Line:
    hits = _int(el.get("hits"), "line hits")
    valid = covered = 0
    condition = el.get("condition-coverage")
    if el.get("branch") == "true" and condition is not None:
        match = _CONDITIONS.search(condition)
        # "50%" alone says nothing about how many branches there are: counted as none.
        if match is not None:
            covered = _int(match.group(1), "covered conditions")
            valid = _int(match.group(2), "conditions")
            if covered > valid:
                raise CoverageReportError(f"condition-coverage {condition!r}: more than all")
        elif "(" in condition:
            raise CoverageReportError(f"unreadable condition-coverage {condition!r}")
    return _Line(hits=hits, branches_valid=valid, branches_covered=covered)


def _int(value: str | None, what: str) -> int:
    if value is None:
        raise CoverageReportError(f"{what} missing in Cobertura report")
    if not _INTEGER.fullmatch(value):
        raise CoverageReportError(f"{what} is not an integer: {value!r}")
    number = int(value)
    if number < 0:
        raise CoverageReportError(f"{what} is negative: {value!r}")
    return number
