"""Reading cipipe files: JSON or YAML in, a validated contract out, or one clear InputError.

Every message names the file, the field (as a dotted path) and what was expected, because a
CI engineer reads it in a Jenkins log with nothing else to go on.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cipipe.contracts.base import SCHEMA_ID_PATTERN, Contract
from cipipe.contracts.limits import (
    MAX_JSON_BYTES,
    MAX_JSON_VALUES,
    MAX_YAML_BYTES,
    check_depth,
    check_values,
    field_path,
    json_values_at_most,
    parse_json_constant,
    parse_json_float,
    parse_json_int,
    short_repr,
    size_text,
)
from cipipe.errors import InputError

__all__ = [
    "check_schema_id",
    "contract_from_text",
    "decode_text",
    "describe_validation_error",
    "field_path",
    "load_json",
    "load_yaml",
    "parse_json",
    "read_bytes",
    "read_contract",
    "read_text",
    "require_regular_file",
    "schema_id_of",
    "validate_data",
]

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound=Contract)


def describe_validation_error(
    exc: ValidationError, data: Any = None
) -> tuple[str, str, str | None]:
    """The first error as (field, problem, expected); the count of the others is appended.

    With the validated ``data``, the field is the path as it is in the file: a discriminated
    union's tag (``suggested_pace.canary.steps``) is not a key the reader can find."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    # Unions report one error per branch; the tag-free branch names are noise to a reader.
    loc = tuple(p for p in first["loc"] if not _is_union_branch_tag(p))
    if data is not None:
        loc = _as_in_file(loc, data)
    kind = first["type"]
    msg = str(first["msg"])
    expected: str | None = None
    ctx = first.get("ctx") or {}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # The union is reported at its parent; the reader must fix the key that chooses.
        loc = (*loc, str(ctx.get("discriminator", "")).strip("'"))
    field = field_path(loc)
    if kind == "union_tag_invalid":
        problem = f"got {short_repr(ctx.get('tag'))}"
        expected = f"one of {ctx.get('expected_tags')}"
    elif kind == "missing" or kind == "union_tag_not_found":
        problem = "required field is missing"
    elif kind == "extra_forbidden":
        problem = "unknown field"
        expected = "only the fields documented for this file"
    elif msg.startswith("Input should be "):
        problem = f"got {short_repr(first.get('input'))}"
        expected = msg[len("Input should be ") :]
    elif msg.startswith("Value error, "):
        problem = msg[len("Value error, ") :]
    elif " should " in msg:
        # "String should match pattern '...'" -> expected "a string that matches pattern '...'"
        subject, _, rest = msg.partition(" should ")
        problem = f"got {short_repr(first.get('input'))}"
        expected = f"a {subject.lower()} that should {rest}"
    else:
        problem = msg
    more = len(errors) - 1
    if more:
        problem += f" (and {more} more problem{'s' if more > 1 else ''})"
    return field, problem, expected


def _is_union_branch_tag(part: int | str) -> bool:
    return isinstance(part, str) and (
        part.startswith(("function-", "list[", "dict["))
        or part
        in {
            "str",
            "int",
            "float",
            "bool",
            "none",
        }
    )


def _as_in_file(loc: tuple[int | str, ...], data: Any) -> tuple[int | str, ...]:
    """``loc`` without the segments that are not in the document: a segment the current
    mapping lacks while it has the next one is a union tag (a last one is a missing key)."""
    kept: list[int | str] = []
    node = data
    for index, part in enumerate(loc):
        after = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(node, dict) and part not in node and after is not None and after in node:
            continue
        kept.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(kept)


def validate_data(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, problem, expected = describe_validation_error(exc, data)
        raise InputError(problem, file=file, field=field, expected=expected) from None


# Any file cipipe reads as input, SBOMs and scanner reports included.
MAX_INPUT_BYTES = 256 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_KINDS = (
    (stat.S_ISDIR, "is a folder"),
    (stat.S_ISFIFO, "is a named pipe (FIFO)"),
    (stat.S_ISCHR, "is a character device"),
    (stat.S_ISBLK, "is a block device"),
    (stat.S_ISSOCK, "is a socket"),
)


def read_bytes(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or an InputError saying why not.

    A FIFO, a device or a folder in place of a file is refused without reading from it: a
    FIFO with no writer blocks forever and /dev/zero never ends. The mode is checked before
    opening (opening a device can do things) and again on the open descriptor, which is opened
    non-blocking so even a FIFO that appears in between cannot hang the open."""
    try:
        _refuse_special(path, path.stat())
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _read_error(path, exc) from None
    try:
        info = os.fstat(fd)
        _refuse_special(path, info)
        if info.st_size > limit:
            raise _too_big(path, limit)
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while we read
                raise _too_big(path, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _read_error(path, exc) from None
    finally:
        os.close(fd)


def require_regular_file(path: Path) -> None:
    """Refuse a path that is not a regular file before a reader streams it (see read_bytes)."""
    try:
        _refuse_special(path, path.stat())
    except OSError as exc:
        raise _read_error(path, exc) from None


def _refuse_special(path: Path, info: os.stat_result) -> None:
    for test, what in _KINDS:
        if test(info.st_mode):
            expected = "a file" if what == "is a folder" else "a regular file"
            raise InputError(what, file=str(path), expected=expected)


def _read_error(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError("file not found", file=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputError("is a folder", file=str(path), expected="a file")
    return InputError(f"cannot read: {exc.strerror or exc}", file=str(path))


def _too_big(path: Path, limit: int) -> InputError:
    return InputError("file is too big", file=str(path), expected=f"at most {size_text(limit)}")


def read_text(path: Path, *, limit: int = MAX_INPUT_BYTES) -> str:
    """A regular file as UTF-8 text (see ``read_bytes``)."""
    return decode_text(read_bytes(path, limit=limit), str(path))


def decode_text(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=file) from None


def load_json(path: Path, *, check: bool = True) -> Any:
    """A JSON file; with ``check`` (cipipe's own files) also refuse what no contract may hold.

    Size, depth and values are limited either way: see ``limits``."""
    return parse_json(read_text(path, limit=MAX_JSON_BYTES), str(path), check=check)


def parse_json(text: str, file: str, *, check: bool = True) -> Any:
    if json_values_at_most(text) > MAX_JSON_VALUES:
        raise InputError(
            f"more than {MAX_JSON_VALUES} values", file=file, expected="a smaller document"
        )
    hooks: dict[str, Any] = {}
    if check:
        hooks = {
            "parse_int": parse_json_int,
            "parse_float": parse_json_float,
            "parse_constant": parse_json_constant,
        }
    try:
        data = json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", file=file
        ) from None
    except RecursionError:
        raise InputError(
            "invalid JSON: nested too deeply", file=file, expected="a flatter document"
        ) from None
    except ValueError as exc:  # an integer too long to convert (only without ``check``)
        raise InputError(f"invalid JSON: {str(exc).split(';')[0]}", file=file) from None
    if check:
        check_values(data, file)
    else:
        check_depth(data, file)
    return data


def load_yaml(path: Path, *, check: bool = True) -> Any:
    """A YAML file; with ``check`` (cipipe's own files) also refuse what no contract may hold.

    Size, values, depth and aliases are limited either way: see ``yaml_loader``."""
    from cipipe.contracts.yaml_loader import parse_yaml

    return parse_yaml(read_text(path, limit=MAX_YAML_BYTES), str(path), check=check)


def schema_id_of(data: Any, file: str) -> tuple[str, int]:
    """The (name, major) a cipipe JSON file declares in its ``schema`` field."""
    if not isinstance(data, dict):
        raise InputError(f"top level is {type(data).__name__}", file=file, expected="a JSON object")
    raw = data.get("schema")
    if raw is None:
        raise InputError(
            "required field is missing",
            file=file,
            field="schema",
            expected='"cipipe.<name>/<major>"',
        )
    match = SCHEMA_ID_PATTERN.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise InputError(
            f"got {short_repr(raw)}",
            file=file,
            field="schema",
            expected='"cipipe.<name>/<major>"',
        )
    return match["name"], int(match["major"])


def check_schema_id(model: type[Contract], data: Any, file: str) -> None:
    name, major = schema_id_of(data, file)
    if name != model.SCHEMA_NAME:
        raise InputError(
            f"is a cipipe.{name} file",
            file=file,
            field="schema",
            expected=f'"{model.schema_id_value()}"',
        )
    if major != model.SCHEMA_MAJOR:
        raise InputError(
            f"major version {major} is not supported by this cipipe",
            file=file,
            field="schema",
            expected=f'"{model.schema_id_value()}"',
        )


def read_contract(model: type[C], path: Path) -> C:
    return contract_from_text(model, read_text(path, limit=MAX_JSON_BYTES), str(path))


def contract_from_text(model: type[C], text: str, file: str) -> C:
    """A contract from text already read (say, to digest exactly the bytes that were parsed)."""
    data = parse_json(text, file)
    check_schema_id(model, data, file)
    return validate_data(model, data, file)
