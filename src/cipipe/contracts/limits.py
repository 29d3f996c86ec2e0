"""What a JSON or YAML input may hold before any model looks at it, so hostile files fail fast.

A file in the work folder or the repository can be written by anyone who can push: it must
not hang cipipe (an alias bomb, a file nested ten thousand levels deep), crash it (an integer of
five thousand digits, a lone surrogate that cannot be written back as UTF-8, a NUL that no path
or argument may hold) or slip a value past the contracts (NaN compares false with every bound,
so ``failed: NaN`` would pass ``ge=0``). Each refusal is an InputError naming the file and the
field, like every other bad input.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

from cipipe.errors import InputError

# Nesting of mappings and lists. cipipe's own files stay under ten levels; Python's json module
# and pydantic both recurse, and run out of stack near a thousand.
MAX_DEPTH = 64
# Integers a cipipe file may hold: what SQLite and every JSON reader can store exactly.
MAX_INT = 2**63 - 1
# Configuration, policy and context files are hand-written and small: the shipped policy has
# about 500 values in 10 KiB. The pure-Python YAML parser needs about a second per megabyte and
# tens of microseconds per value, so anything much bigger is refused before or while parsing.
MAX_YAML_BYTES = 512 * 1024
# Values (scalars, lists, mappings, keys) of a YAML document with every alias expanded: a
# 500-byte "billion laughs" stays tiny as parsed but expands to billions once a model walks it.
MAX_YAML_NODES = 20_000
# JSON files of the work folder and reports: scan.json and build-info.json are the big ones,
# a few megabytes and a few hundred thousand values for the largest changes; an SBOM given to
# `cipipe validate` can be bigger. Checking costs about a microsecond per value.
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_JSON_VALUES = 5_000_000

# NUL ends a C string (paths, arguments, SQLite text); lone surrogates cannot be encoded as UTF-8.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class Refused:
    """A JSON number no cipipe file can hold, kept in place so the check can name its field."""

    __slots__ = ("problem", "text")

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


def json_values_at_most(text: str) -> int:
    """An upper bound of the values in a JSON text, counted in C before it is parsed: every
    value after the first in a container follows a comma, and each container adds one."""
    return text.count(",") + text.count("[") + text.count("{") + 1


def parse_json_int(text: str) -> int | Refused:
    # Python refuses to convert more than 4,300 digits (and converting is quadratic below that).
    if len(text) > 20:
        return Refused(text, f"an integer of {len(text.lstrip('-'))} digits")
    value = int(text)
    return value if -MAX_INT - 1 <= value <= MAX_INT else Refused(text, f"integer {text}")


def parse_json_float(text: str) -> float | Refused:
    value = float(text)
    return value if math.isfinite(value) else Refused(text, f"{text}, which overflows a number")


def parse_json_constant(text: str) -> Refused:
    return Refused(text, f"{text}, which is not a JSON number")


def check_values(data: Any, file: str) -> None:
    """Refuse what no cipipe file may hold anywhere, naming the first field that holds it."""
    _check(data, (), file)


def check_depth(data: Any, file: str) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, whatever else it holds: the readers of
    other tools' formats (SBOMs, scanner reports) walk it recursively."""
    path = too_deep(data)
    if path is not None:
        raise _too_deep_error(path, file)


def too_deep(data: Any) -> tuple[int | str, ...] | None:
    """The path of a value nested deeper than MAX_DEPTH levels, or None (no recursion)."""
    pending: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while pending:
        node, path = pending.pop()
        if len(path) > MAX_DEPTH:
            return path[:MAX_DEPTH]
        if isinstance(node, dict):
            pending += [(value, (*path, key)) for key, value in node.items()]
        elif isinstance(node, list):
            pending += [(value, (*path, index)) for index, value in enumerate(node)]
    return None


def _too_deep_error(path: tuple[int | str, ...], file: str) -> InputError:
    return InputError(
        f"nested more than {MAX_DEPTH} levels deep",
        file=file,
        field=field_path(path),
        expected="a flatter document",
    )


def _check(node: Any, path: tuple[int | str, ...], file: str) -> None:
    if len(path) > MAX_DEPTH:
        raise _too_deep_error(path[:MAX_DEPTH], file)
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise InputError(
                    f"key {str(key)[:40]!r} is {_kind(key)}, not text",
                    file=file,
                    field=field_path(path),
                    expected="text keys (quote the key in YAML)",
                )
            _check_text(key, path, file, what="key")
            _check(value, (*path, key), file)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            _check(value, (*path, index), file)
    elif isinstance(node, str):
        _check_text(node, path, file, what="text")
    elif isinstance(node, bool) or node is None or isinstance(node, date):
        return  # YAML reads timestamps as dates; the models decide whether one belongs here
    elif isinstance(node, int):
        if not -MAX_INT - 1 <= node <= MAX_INT:
            raise _number_error(f"an integer of {len(str(abs(node)))} digits", path, file)
    elif isinstance(node, float):
        if not math.isfinite(node):
            raise _number_error(repr(node), path, file)
    elif isinstance(node, Refused):
        raise _number_error(node.problem, path, file)
    else:  # YAML's !!binary and !!set
        raise InputError(
            f"got {_kind(node)}",
            file=file,
            field=field_path(path),
            expected="text, a number, a boolean, a list or a mapping",
        )


def _check_text(text: str, path: tuple[int | str, ...], file: str, *, what: str) -> None:
    bad = _BAD_TEXT.search(text)
    if bad is None:
        return
    char = bad.group()
    problem = "a NUL character" if char == "\x00" else f"a lone surrogate \\u{ord(char):04x}"
    raise InputError(
        f"{what} holds {problem}", file=file, field=field_path(path), expected="valid Unicode text"
    )


def _number_error(problem: str, path: tuple[int | str, ...], file: str) -> InputError:
    return InputError(
        f"got {problem}",
        file=file,
        field=field_path(path),
        expected="a finite number (integers within 64 bits)",
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    return f"a {type(value).__name__}"


def field_path(loc: tuple[int | str, ...]) -> str:
    """('platforms', 'arm', 'toolchain', 0) -> 'platforms.arm.toolchain[0]'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def short_repr(value: Any) -> str:
    """A value as a reader would write it, cut to fit on one line of a message."""
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def size_text(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit < 1024 * 1024 else f"{limit // (1024 * 1024)} MiB"
