from __future__ import annotations

from cipipe.readers.clang_diagnostics import parse_clang_diagnostics
from tests.conftest import DATA


def test_clang_tidy_14_output() -> None:
    found = parse_clang_diagnostics((DATA / "clang-tidy-14-output.txt").read_text())
    assert [(d.file, d.line, d.column, d.level, d.rule) for d in found] == [
        (
            "/work/repo/src/bounds.cpp",
            3,
            3,
            "warning",
            "clang-analyzer-core.uninitialized.UndefReturn",
        ),
        ("/work/repo/src/tidy.cpp", 3, 33, "warning", "bugprone-integer-division"),
        ("/work/repo/src/tidy.cpp", 7, 12, "warning", "clang-analyzer-core.DivideZero"),
    ]
    assert found[1].message.startswith("result of integer division")


def test_notes_are_skipped_unless_asked() -> None:
    text = "a.cpp:6:3: note: 'zero' initialized to 0\n"
    assert parse_clang_diagnostics(text) == []
    assert parse_clang_diagnostics(text, include_notes=True)[0].level == "note"


def test_fatal_error_windows_path_and_no_rule() -> None:
    text = (
        "C:\\src\\a.cpp:1:10: fatal error: 'gtest/gtest.h' file not found\n"
        "#include <gtest/gtest.h>\n"
        "         ^~~~~~~~~~~~~~~\n"
        "src/b.cpp:2:1: error: code should be clang-formatted [-Wclang-format-violations]\n"
    )
    first, second = parse_clang_diagnostics(text)
    assert (first.file, first.level, first.rule) == ("C:\\src\\a.cpp", "error", None)
    assert second.rule == "-Wclang-format-violations"


def test_duplicates_from_several_translation_units_collapse() -> None:
    line = "inc/h.hpp:4:2: warning: something [bugprone-x]\n"
    assert len(parse_clang_diagnostics(line * 3)) == 1


def test_garbage_gives_nothing() -> None:
    assert parse_clang_diagnostics("12 warnings generated.\nSuppressed 3 warnings\n\x00") == []
