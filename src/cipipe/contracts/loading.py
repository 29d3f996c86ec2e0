"""Reading cipipe files: JSON or YAML in, a validated contract out, or one clear InputError.

Every message names the file, the field (as a dotted path) and what was expected, because a
CI engineer reads it in a Jenkins log with nothing else to go on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cipipe.contracts.base import SCHEMA_ID_PATTERN, Contract
from cipipe.errors import InputError

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound=Contract)


def field_path(loc: tuple[int | str, ...]) -> str:
    """('platforms', 'arm', 'toolchain', 0) -> 'platforms.arm.toolchain[0]'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def describe_validation_error(exc: ValidationError) -> tuple[str, str, str | None]:
    """The first error as (field, problem, expected); the count of the others is appended."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    # Unions report one error per branch; the tag-free branch names are noise to a reader.
    loc = tuple(p for p in first["loc"] if not _is_union_branch_tag(p))
    field = field_path(loc)
    kind = first["type"]
    msg = str(first["msg"])
    expected: str | None = None
    if kind == "missing":
        problem = "required field is missing"
    elif kind == "extra_forbidden":
        problem = "unknown field"
        expected = "only the fields documented for this file"
    elif msg.startswith("Input should be "):
        problem = f"got {_short_repr(first.get('input'))}"
        expected = msg[len("Input should be ") :]
    elif msg.startswith("Value error, "):
        problem = msg[len("Value error, ") :]
    elif " should " in msg:
        # "String should match pattern '...'" -> expected "a string that matches pattern '...'"
        subject, _, rest = msg.partition(" should ")
        problem = f"got {_short_repr(first.get('input'))}"
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


def _short_repr(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_data(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, problem, expected = describe_validation_error(exc)
        raise InputError(problem, file=file, field=field, expected=expected) from None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder", file=str(path), expected="a file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None


def load_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", file=str(path)
        ) from None


def load_yaml(path: Path) -> Any:
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """A key given twice is an error: YAML would silently keep the last one."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    text = read_text(path)
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"invalid YAML{where}: {exc.problem}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=str(path)) from None


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
            f"got {_short_repr(raw)}",
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
    data = load_json(path)
    check_schema_id(model, data, str(path))
    return validate_data(model, data, str(path))
