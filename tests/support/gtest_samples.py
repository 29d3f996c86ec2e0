"""The googletest XML reports of tests/data/gtest, parsed as cipipe reads them."""

from __future__ import annotations

from cipipe.readers.gtest_xml import GtestReport, parse_gtest_xml
from tests.conftest import DATA

GTEST = DATA / "gtest"


def parse(name: str) -> GtestReport:
    return parse_gtest_xml((GTEST / name).read_text(encoding="utf-8"))


def failed_names(report: GtestReport) -> list[str]:
    """The failed cases' full names in report order (what a test asserts; a rerun selects by
    ``GtestReport.rerun_names``)."""
    return [c.full_name for c in report.cases if c.status == "failed"]
