"""Ways to break an input file, each a function that rewrites the file in place and returns the
field the error must name (None when the problem is the file as a whole).

Three families: what stands in place of the file (a FIFO, a folder, a device, bytes that are
not UTF-8); hostile documents (deep nesting, an alias bomb, NaN, a 5,000-digit integer, a lone
surrogate); and one field of the valid document broken (a wrong type, a missing required
field, an unknown one, a negative count, a rate above 1).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cipipe.contracts.limits import MAX_JSON_BYTES, MAX_YAML_BYTES, MAX_YAML_NODES
from tests.support.hangs import BILLION_LAUGHS

Apply = Callable[[Path, str], str | None]
Location = tuple[int | str, ...]

# Field names whose values are counts (never negative) and fractions (0..1) in every contract.
COUNT_KEYS = frozenset(
    {
        "total", "passed", "failed", "skipped", "flaky", "errors", "size", "bytes_sent",
        "attempts", "files_skipped", "critical", "high", "medium", "low", "unknown",
        "components", "advisories", "files_changed", "lines_added", "lines_deleted", "added",
        "deleted", "lines_covered", "lines_valid", "files_checked", "ns", "nd", "nf", "la",
        "ld", "lt", "ndev", "nuc", "min_build",
    }
)  # fmt: skip
FRACTION_KEYS = frozenset({"failure_rate", "probability", "module_failure_rate"})
RISK_COUNT_KEYS = frozenset(
    {
        "unit_tests_failed", "unit_tests_flaky", "integration_failed", "test_errors",
        "dependencies_new", "dependencies_updated", "vulnerabilities_critical",
        "vulnerabilities_high", "vulnerabilities_medium", "module_failure_rate_builds",
    }
)  # fmt: skip
# Fields that hold another system's free-form JSON (Slack's Block Kit): any value is valid.
FREE_FORM = frozenset({"blocks"})


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Apply


def dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def replace(path: Path, content: str | bytes) -> None:
    """Put ``content`` where the file is (whatever it was: a FIFO or a folder too)."""
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)


# -- what stands in place of the file --------------------------------------------------------


def _fifo(path: Path, text: str) -> None:
    path.unlink()
    os.mkfifo(path)


def _folder(path: Path, text: str) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside.json").write_text("{}")


def _device(path: Path, text: str) -> None:
    path.unlink()
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null


def _can_make_devices(folder: Path) -> bool:
    probe = folder / "probe-device"
    try:
        os.mknod(probe, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        return False
    probe.unlink()
    return True


def _whole(action: Callable[[Path, str], object]) -> Apply:
    """The file is named; which field (if any) the error names is not the point."""

    def apply(path: Path, text: str) -> str | None:
        action(path, text)
        return None

    return apply


def stand_ins(scratch: Path, kind: str) -> list[Mutation]:
    """The special files a hostile or broken checkout can put where a file is expected, and
    for JSON, a cut or empty file (half a YAML file, or none, can still be a valid one)."""
    found = [
        Mutation("a FIFO", _whole(_fifo)),
        Mutation("a folder", _whole(_folder)),
        Mutation("not UTF-8", _whole(lambda p, t: replace(p, b"\xff\xfe" + t.encode()))),
    ]
    if _can_make_devices(scratch):
        found.append(Mutation("a character device", _whole(_device)))
    if kind in {"json", "contract"}:
        found += [
            Mutation("truncated", _whole(lambda p, t: replace(p, t[: len(t) // 2]))),
            Mutation("empty", _whole(lambda p, t: replace(p, ""))),
        ]
    return found


# -- hostile documents -----------------------------------------------------------------------


def _too_big(limit: int) -> Apply:
    def apply(path: Path, text: str) -> str | None:
        replace(path, text)
        os.truncate(path, limit + 1)  # sparse: no time spent writing it
        return None

    return apply


def hostile_json() -> list[Mutation]:
    return [
        Mutation("raw NUL", _whole(lambda p, t: replace(p, t[:1] + "\x00" + t[1:]))),
        Mutation("nested 100,000 deep", _whole(lambda p, t: replace(p, "[" * 100_000))),
        Mutation("over the size cap", _too_big(MAX_JSON_BYTES)),
        Mutation("top level a list", _whole(lambda p, t: replace(p, "[1, 2]"))),
    ]


def hostile_yaml() -> list[Mutation]:
    return [
        Mutation("syntax error", _whole(lambda p, t: replace(p, t + "\n: [unclosed\n"))),
        Mutation("billion laughs", _whole(lambda p, t: replace(p, BILLION_LAUGHS))),
        Mutation("recursive alias", _whole(lambda p, t: replace(p, "a: &x [1, *x]\n"))),
        Mutation("nested 100,000 deep", _whole(lambda p, t: replace(p, "a: " + "[" * 100_000))),
        Mutation("over the size cap", _too_big(MAX_YAML_BYTES)),
        Mutation(
            "too many values",
            _whole(lambda p, t: replace(p, "a: [" + "0, " * MAX_YAML_NODES + "0]\n")),
        ),
        Mutation("raw NUL", _whole(lambda p, t: replace(p, "a: 1\x00\n"))),
        Mutation("two documents", _whole(lambda p, t: replace(p, t + "\n---\nb: 1\n"))),
        Mutation("top level a list", _whole(lambda p, t: replace(p, "- a\n- b\n"))),
        Mutation("a number as a key", _yaml_top(lambda d: {**d, 12: "x"}, "(top level)")),
        Mutation("an unhashable key", _whole(lambda p, t: replace(p, "? [1, 2]\n: x\n"))),
        Mutation("duplicate key", _duplicate_key),
        Mutation("the 30th of February", _yaml_scalar("2026-02-30")),
        Mutation("a 5,000-digit integer", _yaml_scalar("9" * 5000)),
        Mutation("binary data", _yaml_scalar("!!binary aGVsbG8=")),
        Mutation(".nan", _yaml_scalar(".nan")),
        Mutation("-.inf", _yaml_scalar("-.inf")),
        Mutation("a lone surrogate", _yaml_scalar('"\\ud800"')),
        Mutation("an escaped NUL", _yaml_scalar('"a\\0b"')),
    ]


def _first_key(text: str) -> str:
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and data, "a YAML input must be a non-empty mapping"
    return str(next(iter(data)))


def _yaml_top(change: Callable[[dict[Any, Any]], dict[Any, Any]], field: str) -> Apply:
    def apply(path: Path, text: str) -> str | None:
        replace(path, yaml.safe_dump(change(yaml.safe_load(text)), sort_keys=False))
        return field

    return apply


def _duplicate_key(path: Path, text: str) -> str | None:
    key = _first_key(text)
    replace(path, f"{key}: 1\n{text}")
    return None


def _yaml_scalar(raw: str) -> Apply:
    """The first top-level key's value replaced by ``raw`` (a YAML scalar as written)."""

    def apply(path: Path, text: str) -> str | None:
        key = _first_key(text)
        data = yaml.safe_load(text)
        del data[key]
        rest = yaml.safe_dump(data, sort_keys=False) if data else ""
        replace(path, f"{key}: {raw}\n{rest}")
        # Caught while parsing (no field, a line) or by the value check (the field): either.
        return None

    return apply


# -- one value of a valid JSON document broken -----------------------------------------------


def leaves(node: Any, at: Location = ()) -> Iterator[tuple[Location, Any]]:
    """Every location of a JSON tree below the top, depth first, with its value."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*at, key), value
            yield from leaves(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*at, index), value
            yield from leaves(value, (*at, index))


def _set(document: Any, at: Location, value: Any) -> None:
    for part in at[:-1]:
        document = document[part]
    document[at[-1]] = value


def _json_edit(at: Location, value: Any, *, raw: str | None = None) -> Apply:
    """Set the value at ``at``; ``raw`` is JSON text no encoder writes (NaN, 1e999, ...)."""

    def apply(path: Path, text: str) -> str | None:
        document = json.loads(text)
        _set(document, at, "@@RAW@@" if raw is not None else value)
        out = json.dumps(document, indent=2, ensure_ascii=False)
        if raw is not None:
            out = out.replace('"@@RAW@@"', raw)
        replace(path, out)
        return dotted(at)

    return apply


def _json_drop(at: Location) -> Apply:
    def apply(path: Path, text: str) -> str | None:
        document = json.loads(text)
        parent = document
        for part in at[:-1]:
            parent = parent[part]
        del parent[at[-1]]
        replace(path, json.dumps(document, indent=2))
        return dotted(at)

    return apply


def wrong_type_for(value: Any) -> Any:
    """A value of a JSON type the field cannot take: an object for a scalar or a list, a list
    for an object (a string would pass a field that also takes text, like a signal's value)."""
    return ["not", "an", "object"] if isinstance(value, dict) else {"zz_unexpected": 1}


def hostile_values(text: str) -> list[Mutation]:
    """Values no cipipe file may hold, each put at the first place of its kind."""
    found = list(leaves(json.loads(text)))
    numbers = [at for at, v in found if isinstance(v, int | float) and not isinstance(v, bool)]
    strings = [at for at, v in found if isinstance(v, str)]
    objects = [at for at, v in found if isinstance(v, dict)]
    out: list[Mutation] = []
    if numbers:
        at = numbers[0]
        out += [
            Mutation(f"NaN at {dotted(at)}", _json_edit(at, None, raw="NaN")),
            Mutation(f"-Infinity at {dotted(at)}", _json_edit(at, None, raw="-Infinity")),
            Mutation(f"1e999 at {dotted(at)}", _json_edit(at, None, raw="1e999")),
            Mutation(f"5,000 digits at {dotted(at)}", _json_edit(at, None, raw="7" * 5000)),
            Mutation(f"2**64 at {dotted(at)}", _json_edit(at, None, raw=str(2**64))),
        ]
    if strings:
        at = strings[-1]
        out += [
            Mutation(f"lone surrogate at {dotted(at)}", _json_edit(at, None, raw='"x\\ud800"')),
            Mutation(f"escaped NUL at {dotted(at)}", _json_edit(at, None, raw='"x\\u0000y"')),
        ]
    if objects:
        at = objects[0]
        deep = "[" * 100 + "]" * 100
        out.append(Mutation(f"nested 100 deep at {dotted(at)}", _json_edit(at, None, raw=deep)))
    return out


def schema_mutations(text: str) -> list[Mutation]:
    document = json.loads(text)
    name = str(document.get("schema", "cipipe.x/1")).split("/")[0]
    other = "cipipe.scan/1" if name == "cipipe.gate" else "cipipe.gate/1"
    return [
        Mutation("schema missing", _json_drop(("schema",))),
        # `cipipe validate` checks it as that other file: the field is whatever that lacks.
        Mutation("schema of another file", _whole(_json_edit(("schema",), other))),
        Mutation("schema major 99", _json_edit(("schema",), f"{name}/99")),
    ]


def field_mutations(text: str, *, required: set[str], limit: int) -> list[Mutation]:
    """One field broken at a time: wrong types spread over the document, each required
    top-level field left out, an unknown field, negative counts and fractions above one."""
    document = json.loads(text)
    found = [(at, v) for at, v in leaves(document) if at[0] != "schema" and not FREE_FORM & set(at)]
    out: list[Mutation] = []
    step = max(1, len(found) // limit)
    for at, value in found[::step][:limit]:
        out.append(Mutation(f"wrong type at {dotted(at)}", _json_edit(at, wrong_type_for(value))))
    out += [Mutation(f"{key} left out", _json_drop((key,))) for key in document if key in required]
    out.append(Mutation("unknown top-level field", _json_edit(("zz_surprise",), 1)))
    bounded: set[object] = set()  # each kind of count once: the first place it occurs
    for at, value in found:
        if not isinstance(value, int | float) or isinstance(value, bool) or "signals" in at:
            continue
        # A risk-inputs number is {"value": ..., "status": ...}: the bound is on the field.
        key, field = (at[-2], at[:-1]) if at[-1] == "value" and len(at) > 1 else (at[-1], at)
        if key in bounded:
            continue
        if key in COUNT_KEYS | RISK_COUNT_KEYS:
            out.append(Mutation(f"negative {dotted(at)}", _named(_json_edit(at, -3), field)))
            bounded.add(key)
        if key in FRACTION_KEYS:
            out.append(Mutation(f"{dotted(at)} above one", _named(_json_edit(at, 1.5), field)))
            bounded.add(key)
    return _unique(out)


def _named(apply: Apply, field: Location) -> Apply:
    def named(path: Path, text: str) -> str | None:
        apply(path, text)
        return dotted(field)

    return named


def _unique(mutations: list[Mutation]) -> list[Mutation]:
    seen: set[str] = set()
    return [m for m in mutations if not (m.name in seen or seen.add(m.name))]  # type: ignore[func-returns-value]
