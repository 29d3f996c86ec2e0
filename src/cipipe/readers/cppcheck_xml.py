"""cppcheck's ``--xml --xml-version=2`` report (cppcheck writes it to stderr).

<results version="2"><cppcheck version="2.10"/><errors>
  <error id="nullPointer" severity="error" msg="..." verbose="..." cwe="476">
    <location file="src/a.cpp" line="7" column="3"/>
  </error>
</errors></results>
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from cipipe.errors import ReaderError

# Reports about cppcheck's own configuration, not about the code.
IGNORED_IDS = frozenset(
    {"missingIncludeSystem", "checkersReport", "unmatchedSuppression", "toomanyconfigs"}
)


class CppcheckXmlError(ReaderError):
    pass


@dataclass(frozen=True)
class CppcheckError:
    id: str
    severity: str
    message: str
    file: str | None
    line: int | None
    column: int | None
    cwe: str | None


def parse_cppcheck_xml(text: str) -> tuple[str | None, list[CppcheckError]]:
    """Return (cppcheck version, errors) from a version-2 XML report."""
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<results")
    if start < 0:
        raise CppcheckXmlError("no <results> element in cppcheck output")
    try:
        root = ET.fromstring(text[start:])
    except ET.ParseError as exc:
        raise CppcheckXmlError(f"malformed cppcheck XML: {exc}") from None
    if root.tag != "results" or root.get("version") != "2":
        raise CppcheckXmlError("not a cppcheck XML version 2 report")
    version_el = root.find("cppcheck")
    version = version_el.get("version") if version_el is not None else None
    errors = [e for e in map(_error, root.iter("error")) if e is not None]
    return version, errors


def parse_partial_cppcheck_xml(text: str) -> list[CppcheckError]:
    """The errors of a report cut short (cppcheck stopped at its time limit): every
    ``<error>`` element that was complete when the output ended; the rest is dropped."""
    start = text.find("<results")
    if start < 0:
        return []
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    errors: list[CppcheckError] = []
    try:
        parser.feed(text[start:])
        for _, el in parser.read_events():  # type: ignore[misc]  # ("end", element) pairs
            error = _error(el) if isinstance(el, ET.Element) and el.tag == "error" else None
            if error is not None:
                errors.append(error)
    except ET.ParseError:
        pass  # garbage after the last complete error: what came before still counts
    return errors


def _error(el: ET.Element) -> CppcheckError | None:
    error_id = el.get("id", "")
    if error_id in IGNORED_IDS:
        return None
    # The first location is where the problem is; later ones are the path to it.
    loc = el.find("location")
    return CppcheckError(
        id=error_id,
        severity=el.get("severity", "information"),
        message=el.get("msg", ""),
        file=loc.get("file") if loc is not None else None,
        line=_int(loc.get("line")) if loc is not None else None,
        column=_int(loc.get("column")) if loc is not None else None,
        cwe=el.get("cwe"),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
