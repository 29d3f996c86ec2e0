"""The compilation database reader shared by the result cache's keys and cppcheck."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cipipe.readers.compile_commands import compile_entries


def test_entries_by_normalised_absolute_path(tmp_path: Path) -> None:
    entries = [
        {"directory": str(tmp_path / "build"), "file": "../src/a.cpp", "command": "c++ -c a"},
        {"directory": str(tmp_path), "file": str(tmp_path / "src/b.cpp"), "command": "c++ -c b"},
        {"directory": str(tmp_path), "command": "no file"},
        "not an entry",
    ]
    (tmp_path / "compile_commands.json").write_text(json.dumps(entries))
    found = compile_entries(tmp_path)
    assert sorted(found) == [
        os.path.normpath(tmp_path / "src/a.cpp"),
        os.path.normpath(tmp_path / "src/b.cpp"),
    ]
    assert found[os.path.normpath(tmp_path / "src/a.cpp")]["command"] == "c++ -c a"


def test_no_database_or_an_unreadable_one_is_empty(tmp_path: Path) -> None:
    assert compile_entries(None) == {}
    assert compile_entries(tmp_path) == {}
    (tmp_path / "compile_commands.json").write_text("{not json")
    assert compile_entries(tmp_path) == {}
    (tmp_path / "compile_commands.json").write_text('{"an": "object"}')
    assert compile_entries(tmp_path) == {}
