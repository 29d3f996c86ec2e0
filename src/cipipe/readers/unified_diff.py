"""The lines a change touches, from ``git diff -U0`` (no context lines), as
``git clang-format`` reads them:

    +++ b/src/a.cpp
    @@ -10,2 +10,3 @@ int f() {

gives src/a.cpp lines 10-12. A hunk that only deletes (``+10,0``) touches the line after
which it deleted, so a join left behind is judged; one at the very top (``+0,0``) touches
nothing that is left. A deleted file (``+++ /dev/null``) has no lines.
"""

from __future__ import annotations

import re

LineRange = tuple[int, int]  # first and last line, 1-based and inclusive

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")
_NEW_FILE = "+++ "
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def changed_line_ranges(patch: str, prefix: str = "b/") -> dict[str, list[LineRange]]:
    """Each file's changed line ranges in the new version, in diff order; ``prefix`` is the
    destination prefix the diff was made with (``--dst-prefix``)."""
    ranges: dict[str, list[LineRange]] = {}
    current: str | None = None
    for line in patch.splitlines():
        if line.startswith(_NEW_FILE):
            current = _new_path(line[len(_NEW_FILE) :], prefix)
            continue
        match = _HUNK.match(line)
        if match is None or current is None:
            continue
        start = int(match["start"])
        count = 1 if match["count"] is None else int(match["count"])
        if start == 0:
            continue
        ranges.setdefault(current, []).append((start, start + max(count, 1) - 1))
    return ranges


def _new_path(text: str, prefix: str) -> str | None:
    path = unquote_path(text.rstrip("\t"))
    if path == "/dev/null" or not path.startswith(prefix):
        return None
    return path[len(prefix) :]


def unquote_path(text: str) -> str:
    """A path as git prints it: quoted C-style (with octal UTF-8 bytes) when it holds a
    double quote, a backslash, a control or (core.quotePath) a non-ASCII character."""
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):
        return text
    body, out, index = text[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            index += 1
        elif body[index + 1] in _ESCAPES:
            out.append(_ESCAPES[body[index + 1]])
            index += 2
        else:
            digits = re.match(r"[0-7]{1,3}", body[index + 1 :])
            if digits is None:
                out += body[index + 1].encode("utf-8", "surrogateescape")
                index += 2
                continue
            out.append(int(digits.group(), 8) & 0xFF)
            index += 1 + len(digits.group())
    return out.decode("utf-8", "surrogateescape")
