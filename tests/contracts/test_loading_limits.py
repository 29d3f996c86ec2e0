"""Hostile JSON and YAML: every one is an InputError naming the file (and the field), fast.

The wall-clock limits here only detect a hang (the billion laughs used to take minutes and
gigabytes); speed targets live in bench/.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.contracts.limits import MAX_DEPTH, MAX_JSON_VALUES, MAX_YAML_BYTES, MAX_YAML_NODES
from cipipe.contracts.loading import load_json, load_yaml, parse_json, read_bytes
from cipipe.contracts.yaml_loader import parse_yaml
from cipipe.errors import InputError
from tests.support.hangs import BILLION_LAUGHS, no_hang, unblocking


def refusal(action: Callable[[], Any]) -> InputError:
    with no_hang(), pytest.raises(InputError) as caught:
        action()
    return caught.value


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


# -- YAML ------------------------------------------------------------------------------------


def test_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "context.yaml", BILLION_LAUGHS)
    assert path.stat().st_size < 500
    error = refusal(lambda: load_yaml(path))
    assert error.file == str(path)
    assert "aliases expand it to more than" in error.detail
    assert error.field is not None and error.field[0] in "efghi"


def test_a_bomb_in_merge_keys_is_refused(tmp_path: Path) -> None:
    bomb = BILLION_LAUGHS.replace("i: &i", "j: &j {x: 1}\ni: &i") + "k: {<<: *j, y: *i}\n"
    error = refusal(lambda: load_yaml(write(tmp_path / "p.yaml", bomb)))
    assert "aliases expand" in error.detail


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    text = "base: &base {timeout_minutes: 5}\nbuild: *base\ntest: {<<: *base, extra: 1}\n"
    data = load_yaml(write(tmp_path / "ok.yaml", text))
    assert data["build"] == {"timeout_minutes": 5}
    assert data["test"] == {"timeout_minutes": 5, "extra": 1}


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    error = refusal(lambda: load_yaml(write(tmp_path / "loop.yaml", "a: &x [1, *x]\n")))
    assert error.field == "a[1]"
    assert "contains it" in error.detail


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 400, 20_000])
def test_deep_yaml_is_refused(tmp_path: Path, depth: int) -> None:
    path = write(tmp_path / "deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    error = refusal(lambda: load_yaml(path))
    assert "nested" in error.detail
    assert error.file == str(path)


def test_yaml_at_the_depth_limit_is_read(tmp_path: Path) -> None:
    depth = MAX_DEPTH - 1  # the mapping itself is one level
    path = write(tmp_path / "deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    assert load_yaml(path) is not None


def test_a_yaml_file_with_too_many_values_stops_while_parsing(tmp_path: Path) -> None:
    path = write(tmp_path / "many.yaml", "a: [" + "1, " * MAX_YAML_NODES + "1]\n")
    error = refusal(lambda: load_yaml(path))
    # Stopped by the parser at the value over the limit (a line and column), not after the
    # whole document was parsed (the expansion check names a field).
    # (the 20,001st value is item 19,998: after the mapping, its key and the list itself)
    assert error.detail == f"invalid YAML at line 1 column {5 + 3 * 19_997}: more than 20000 values"
    assert error.field is None
    fits = "a: [" + ", ".join(["1"] * (MAX_YAML_NODES - 3)) + "]\n"  # the mapping, key, list
    assert len(load_yaml(write(tmp_path / "fits.yaml", fits))["a"]) == MAX_YAML_NODES - 3


def test_a_yaml_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path / "big.yaml", "# " + "x" * MAX_YAML_BYTES + "\n")
    error = refusal(lambda: load_yaml(path))
    assert (error.detail, error.expected) == ("file is too big", "at most 512 KiB")


@pytest.mark.parametrize(
    ("text", "field", "needle"),
    [
        ("a: {1: x}\n", "a", "key '1' is a number"),
        ("on: x\n", "(top level)", "key 'True' is a boolean"),
        ("a: {null: x}\n", "a", "key 'None' is null"),
        ("a: {2026-01-02: x}\n", "a", "is a date"),
        ("a: [.nan]\n", "a[0]", "got nan"),
        ("a: {b: .inf}\n", "a.b", "got inf"),
        ("a: -.inf\n", "a", "got -inf"),
        ("a: 1.0e+400\n", "a", "got inf"),
        ("a: 123456789012345678901234567890\n", "a", "an integer of 30 digits"),
        ('a: "\\0"\n', "a", "NUL"),
        ('a: "\\ud800"\n', "a", "lone surrogate"),
        ("a: !!binary aGVsbG8=\n", "a", "binary data"),
        ("a: !!set {x}\n", "a", "got a set"),
    ],
)
def test_values_no_cipipe_file_holds_name_their_field(
    tmp_path: Path, text: str, field: str, needle: str
) -> None:
    path = write(tmp_path / "c.yaml", text)
    error = refusal(lambda: load_yaml(path))
    assert (error.file, error.field) == (str(path), field)
    assert needle in str(error)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: " + "9" * 5000 + "\n", "line 1 column 4: cannot read"),
        ("a: 2026-02-30\n", "day is out of range"),
        ("? [1, 2]\n: x\n", "a list or mapping as a key"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: 1\n---\nb: 2\n", "but found another document"),
        ("a: \x00\n", "invalid YAML"),
        ("a: !!python/object:os.system x\n", "could not determine a constructor"),
    ],
)
def test_unreadable_yaml_scalars_are_syntax_errors(tmp_path: Path, text: str, needle: str) -> None:
    error = refusal(lambda: load_yaml(write(tmp_path / "c.yaml", text)))
    assert needle in str(error)


def test_repository_yaml_may_keep_odd_keys_without_the_value_check(tmp_path: Path) -> None:
    # A telemetry contract is the project's own YAML: status codes as keys are fine there.
    path = write(tmp_path / "alerts.yaml", "codes: {200: ok, 500: bad}\n")
    assert load_yaml(path, check=False) == {"codes": {200: "ok", 500: "bad"}}
    refusal(lambda: load_yaml(path))
    refusal(lambda: load_yaml(write(tmp_path / "b.yaml", BILLION_LAUGHS), check=False))


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "needle"),
    [
        ('{"failed": NaN}', "failed", "NaN, which is not a JSON number"),
        ('{"a": [Infinity]}', "a[0]", "Infinity"),
        ('{"a": {"b": -Infinity}}', "a.b", "-Infinity"),
        ('{"a": 1e999}', "a", "1e999, which overflows"),
        ('{"a": -1e400}', "a", "overflows"),
        ('{"a": ' + "7" * 5000 + "}", "a", "an integer of 5000 digits"),
        ('{"a": -' + "7" * 5000 + "}", "a", "an integer of 5000 digits"),
        ('{"a": 9223372036854775808}', "a", "integer 9223372036854775808"),
        ('{"a": "x\\ud800"}', "a", "lone surrogate \\ud800"),
        ('{"a": ["\\udfff"]}', "a[0]", "lone surrogate"),
        ('{"a": "nul\\u0000here"}', "a", "NUL"),
        ('{"a\\u0000": 1}', "(top level)", "key holds a NUL"),
    ],
)
def test_json_values_no_cipipe_file_holds_name_their_field(
    tmp_path: Path, text: str, field: str, needle: str
) -> None:
    path = write(tmp_path / "tests.json", text)
    error = refusal(lambda: load_json(path))
    assert (error.file, error.field) == (str(path), field)
    assert needle in str(error)


def test_json_at_the_depth_limit_is_read() -> None:
    depth = MAX_DEPTH + 1  # the top level plus MAX_DEPTH levels below it
    assert parse_json("[" * depth + "]" * depth, "x.json") is not None


def test_largest_sane_numbers_are_read() -> None:
    text = '{"a": 9223372036854775807, "b": -9223372036854775808, "c": 1e308, "d": 0.5}'
    assert parse_json(text, "x.json") == {"a": 2**63 - 1, "b": -(2**63), "c": 1e308, "d": 0.5}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 2, 900, 100_000])
def test_deep_json_is_refused(tmp_path: Path, depth: int) -> None:
    path = write(tmp_path / "deep.json", "[" * depth + "]" * depth)
    error = refusal(lambda: load_json(path))
    assert "nested" in error.detail
    assert error.file == str(path)


def test_json_with_too_many_values_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path / "scan.json", "[" + "0," * MAX_JSON_VALUES + "0]")
    error = refusal(lambda: load_json(path))
    assert error.detail == f"more than {MAX_JSON_VALUES} values"


def test_raw_nul_and_bad_escapes_are_json_syntax_errors(tmp_path: Path) -> None:
    assert "invalid JSON" in str(refusal(lambda: load_json(write(tmp_path / "a.json", '"\x00"'))))
    assert "invalid JSON" in str(refusal(lambda: load_json(write(tmp_path / "b.json", '"\\x"'))))


def test_unchecked_json_still_refuses_what_would_crash(tmp_path: Path) -> None:
    huge = write(tmp_path / "h.json", "[" + "1" * 5000 + "]")
    assert "invalid JSON" in str(refusal(lambda: load_json(huge, check=False)))
    deep = write(tmp_path / "d.json", "[" * 100_000 + "]" * 100_000)
    assert "nested" in str(refusal(lambda: load_json(deep, check=False)))


# -- what is in place of the file ------------------------------------------------------------


@pytest.mark.parametrize("loader", [load_json, load_yaml, read_bytes])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    fifo = tmp_path / "risk-inputs.json"
    os.mkfifo(fifo)
    with unblocking(fifo):
        error = refusal(lambda: loader(fifo))
    assert (error.file, error.detail) == (str(fifo), "is a named pipe (FIFO)")


@pytest.mark.parametrize(
    ("device", "what"),
    [("/dev/zero", "is a character device"), ("/dev/null", "is a character device")],
)
def test_a_device_is_refused_unread(device: str, what: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist here")
    error = refusal(lambda: load_json(Path(device)))
    assert (error.file, error.detail) == (device, what)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        error = refusal(lambda: load_json(path))
    assert error.detail in {"is a socket", "cannot read: No such device or address"}


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tests.json"
    folder.mkdir()
    error = refusal(lambda: load_json(folder))
    assert (error.detail, error.expected) == ("is a folder", "a file")


def test_non_utf8_names_the_byte(tmp_path: Path) -> None:
    error = refusal(lambda: load_yaml(write(tmp_path / "c.yaml", b"a: \xff\xfe\n")))
    assert error.detail == "not UTF-8 text (byte 3)"


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", "0123456789")
    assert read_bytes(path, limit=10) == b"0123456789"
    error = refusal(lambda: read_bytes(path, limit=9))
    assert error.detail == "file is too big"


def test_a_missing_file_and_an_unreadable_one(tmp_path: Path) -> None:
    assert refusal(lambda: load_json(tmp_path / "nope.json")).detail == "file not found"
    dangling = tmp_path / "link.json"
    dangling.symlink_to(tmp_path / "gone.json")
    assert refusal(lambda: load_json(dangling)).detail == "file not found"


def test_parse_yaml_refuses_oversized_text_too() -> None:
    with pytest.raises(InputError, match="too big"):
        parse_yaml("a: 1\n" + "#" * MAX_YAML_BYTES, "policy.yaml")
