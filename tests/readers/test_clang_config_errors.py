from __future__ import annotations

from cipipe.readers.clang_config_errors import ConfigError, config_errors

FORMAT_14 = """\
/repo/.clang-format:2:1: error: unknown key 'InsertNewlineAtEOF'
InsertNewlineAtEOF: true
^~~~~~~~~~~~~~~~~~
Error reading /repo/.clang-format: Invalid argument
/repo/.clang-format:2:1: error: unknown key 'InsertNewlineAtEOF'
InsertNewlineAtEOF: true
^~~~~~~~~~~~~~~~~~
Error reading /repo/.clang-format: Invalid argument
"""


def test_an_unknown_key_once_per_file() -> None:
    assert config_errors(FORMAT_14) == [
        ConfigError("/repo/.clang-format", 2, "unknown key 'InsertNewlineAtEOF'")
    ]
    (error,) = config_errors(FORMAT_14)
    assert error.unknown_key == "InsertNewlineAtEOF" and error.from_a_newer_version


def test_an_unknown_value_is_from_a_newer_version_a_syntax_error_is_not() -> None:
    tidy = (
        "/r/.clang-format:1:20: error: unknown enumerated scalar\n"
        "Error reading /r/.clang-format: Invalid argument\n"
        "/r/.clang-tidy:1:11: error: Could not find closing ]!\n"
        "Error parsing /r/.clang-tidy: Invalid argument\n"
    )
    scalar, syntax = config_errors(tidy)
    assert scalar.from_a_newer_version and scalar.unknown_key is None
    assert not syntax.from_a_newer_version and syntax.file == "/r/.clang-tidy"


def test_a_diagnostic_in_a_file_the_tool_read_is_no_config_error() -> None:
    assert config_errors("/r/a.cpp:1:5: error: code should be clang-formatted\n") == []
