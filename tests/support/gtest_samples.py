"""The googletest XML reports of tests/data/gtest, parsed as cipipe reads them."""

from __future__ import annotations

from cipipe.readers.gtest_xml import GtestReport, parse_gtest_xml
from tests.conftest import DATA

GTEST = DATA / "gtest"


def parse(name: str) -> GtestReport:
    return parse_gtest_xml((GTEST / name).read_text(encoding="utf-8"))
