"""Every reader's error is one cipipe error type, ReaderError: bad input (exit 2) wherever it
surfaces, and named after its file by the step that opened the file (``located``)."""

from __future__ import annotations

import pytest

from cipipe.errors import ExitCode, InputError, ReaderError
from cipipe.readers.coverage import CoverageReportError
from cipipe.readers.cppcheck_xml import CppcheckXmlError
from cipipe.readers.deps import DependencyFileError
from cipipe.readers.findings import ReportError
from cipipe.readers.grype import GrypeJsonError
from cipipe.readers.gtest_xml import GtestXmlError
from cipipe.readers.osv import OsvError
from cipipe.readers.trivy import TrivyJsonError

READER_ERRORS = (
    CoverageReportError,
    CppcheckXmlError,
    DependencyFileError,
    ReportError,
    GrypeJsonError,
    GtestXmlError,
    OsvError,
    TrivyJsonError,
)


@pytest.mark.parametrize("error", READER_ERRORS, ids=lambda e: e.__name__)
def test_every_reader_error_is_bad_input(error: type[ReaderError]) -> None:
    assert issubclass(error, ReaderError) and issubclass(error, InputError)
    assert issubclass(error, ValueError)
    raised = error("line 3: not a number")
    assert raised.exit_code == ExitCode.BAD_INPUT
    # Unlocated, it reads as the reason alone: the warnings that skip a file quote it so.
    assert str(raised) == "line 3: not a number"


def test_located_names_the_file_and_what_was_expected() -> None:
    error = DependencyFileError("line 3: not a number").located(
        "conan.lock", expected="a valid conan.lock"
    )
    assert str(error) == "conan.lock: line 3: not a number (expected a valid conan.lock)"
    assert (error.file, error.expected) == ("conan.lock", "a valid conan.lock")


def test_located_keeps_a_prefix_before_the_reason() -> None:
    error = CoverageReportError("no <coverage> root").located(
        "cov.xml", prefix="unreadable coverage report: "
    )
    assert str(error) == "cov.xml: unreadable coverage report: no <coverage> root"
    assert error.expected is None
