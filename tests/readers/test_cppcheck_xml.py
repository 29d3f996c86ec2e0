from __future__ import annotations

import pytest

from cipipe.readers.cppcheck_xml import (
    CppcheckXmlError,
    parse_cppcheck_xml,
    parse_partial_cppcheck_xml,
)
from tests.conftest import DATA


def test_cppcheck_2_10_report() -> None:
    version, errors = parse_cppcheck_xml((DATA / "cppcheck-2.10-report.xml").read_text())
    assert version == "2.10"
    by_id = {e.id: e for e in errors}
    assert set(by_id) == {"arrayIndexOutOfBounds", "constVariable", "zerodiv"}
    bounds = by_id["arrayIndexOutOfBounds"]
    assert (bounds.severity, bounds.file, bounds.line, bounds.cwe) == (
        "error",
        "src/bounds.cpp",
        3,
        "788",
    )
    assert "out of bounds" in bounds.message
    assert by_id["constVariable"].severity == "style"


def test_configuration_messages_are_ignored_and_locationless_kept() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<results version="2"><cppcheck version="2.10"/><errors>
<error id="missingIncludeSystem" severity="information" msg="x"/>
<error id="noValidConfiguration" severity="information" msg="no config"/>
</errors></results>"""
    _, errors = parse_cppcheck_xml(text)
    assert [(e.id, e.file, e.line) for e in errors] == [("noValidConfiguration", None, None)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "cppcheck: error: could not find or open any of the paths given.",
        '<?xml version="1.0"?><results version="2"><errors><error',
        '<?xml version="1.0"?><results version="1"></results>',
    ],
)
def test_not_a_report(text: str) -> None:
    with pytest.raises(CppcheckXmlError):
        parse_cppcheck_xml(text)


def test_a_report_cut_short_keeps_every_complete_error() -> None:
    """cppcheck stopped at its time limit: the errors it finished writing count."""
    whole = (DATA / "cppcheck-2.10-report.xml").read_text()
    _, every = parse_cppcheck_xml(whole)
    second_ends = whole.index("</error>", whole.index("</error>") + 1) + len("</error>")
    cut = parse_partial_cppcheck_xml(whole[: second_ends + 20])
    assert cut == every[:2]
    assert parse_partial_cppcheck_xml(whole) == every
    assert parse_partial_cppcheck_xml('<results version="2"><errors><error id="x" sev') == []
    assert parse_partial_cppcheck_xml("") == []
    assert parse_partial_cppcheck_xml(whole[:second_ends] + "<<garbage") == every[:2]
