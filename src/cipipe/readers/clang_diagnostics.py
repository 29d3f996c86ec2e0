"""Clang-style diagnostics, as clang-tidy and ``clang-format --dry-run`` print them.

    src/a.cpp:12:5: warning: use nullptr [modernize-use-nullptr]
    src/b.cpp:3:10: error: code should be clang-formatted [-Wclang-format-violations]

The source excerpt and caret lines that follow each diagnostic are skipped; ``note:`` lines
explain the diagnostic before them and are not findings of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIAGNOSTIC = re.compile(
    r"^(?P<file>(?:[A-Za-z]:)?[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<level>error|warning|note|remark|fatal error): "
    r"(?P<message>.*?)(?: \[(?P<rule>[^\[\]]+)\])?$"
)


@dataclass(frozen=True)
class ClangDiagnostic:
    file: str
    line: int
    column: int
    level: str
    message: str
    rule: str | None


def parse_clang_diagnostics(text: str, *, include_notes: bool = False) -> list[ClangDiagnostic]:
    found: list[ClangDiagnostic] = []
    seen: set[ClangDiagnostic] = set()
    for raw in text.splitlines():
        match = _DIAGNOSTIC.match(raw.rstrip("\r"))
        if not match:
            continue
        level = "error" if match["level"] == "fatal error" else match["level"]
        if level in {"note", "remark"} and not include_notes:
            continue
        diagnostic = ClangDiagnostic(
            file=match["file"],
            line=int(match["line"]),
            column=int(match["col"]),
            level=level,
            message=match["message"].strip(),
            rule=match["rule"],
        )
        # clang-tidy repeats a header's diagnostic once per translation unit that includes it.
        if diagnostic not in seen:
            seen.add(diagnostic)
            found.append(diagnostic)
    return found
