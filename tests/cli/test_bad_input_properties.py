"""Property-based: any broken contract or config is exit 2 with one line naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CliResult
from tests.contracts.samples import sample_contracts

Cli = Callable[..., CliResult]
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID_CONFIG: dict[str, Any] = {
    "service": "svc",
    "kind": "firmware",
    "supports": ["linux", "arm"],
    "agents": {"arm": "arm64"},
    "platforms": {
        "linux": {"toolchain": {"version": "12.2.0", "linker_flags": ["-s"]}},
        "arm": {"toolchain": {"version": "12.2.0"}, "tests": {"runner": "emulator"}},
    },
    "precheck": {
        "scope": "changed",
        "cppcheck": {"blocking": True, "fail_on": "warning"},
        "telemetry": {"required": [{"path": "t.yaml", "keys": ["a.b"]}]},
    },
}


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a JSON tree, as a tuple of keys and indexes."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def wrong_type_for(value: Any) -> Any:
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return "not-a-number"
    if isinstance(value, str):
        return [1]
    if isinstance(value, list):
        return "not-a-list"
    return ["not", "an", "object"] if isinstance(value, dict) else {"unexpected": 1}


def dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@st.composite
def broken_documents(draw: st.DrawFn, documents: list[dict[str, Any]]) -> tuple[Any, str]:
    """A valid document with one thing broken, and the field path the error must name."""
    document = json.loads(json.dumps(draw(st.sampled_from(documents))))
    path = draw(st.sampled_from([p for p in paths(document) if p]))
    parent, last = get(document, path[:-1]), path[-1]
    if isinstance(get(document, path), dict) and draw(st.booleans()):
        get(document, path)["zz_unknown"] = 1
        return document, dotted((*path, "zz_unknown"))
    parent[last] = wrong_type_for(parent[last])
    return document, dotted(path)


def assert_exit_2_naming(result: CliResult, file: Path, field: str) -> None:
    assert result.exit_code == 2, (field, result.exit_code, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert str(file) in line and "Traceback" not in line
    # A union or list error may point below the mutated node; never elsewhere.
    assert f": {field}" in line or (field.startswith("schema") and ": schema" in line), (
        field,
        line,
    )


CONTRACT_DOCS = [json.loads(c.to_json()) for c in sample_contracts()]


@PROPERTY_SETTINGS
@given(case=broken_documents(CONTRACT_DOCS))
def test_any_broken_contract_is_exit_2_naming_the_field(
    cli: Cli, tmp_path: Path, case: tuple[Any, str]
) -> None:
    document, field = case
    path = tmp_path / "file.json"
    path.write_text(json.dumps(document))
    assert_exit_2_naming(cli("validate", path), path, field)


@PROPERTY_SETTINGS
@given(case=broken_documents([VALID_CONFIG]))
def test_any_broken_config_is_exit_2_naming_the_field(
    cli: Cli, tmp_path: Path, case: tuple[Any, str]
) -> None:
    document, field = case
    path = tmp_path / ".cipipe.yaml"
    path.write_text(yaml.safe_dump(document))
    assert_exit_2_naming(cli("validate", path), path, field)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@PROPERTY_SETTINGS
@given(document=yaml_values)
def test_arbitrary_yaml_never_crashes_config_loading(
    cli: Cli, tmp_path: Path, document: Any
) -> None:
    path = tmp_path / ".cipipe.yaml"
    path.write_text(yaml.safe_dump(document))
    result = cli("validate", path)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        [line] = result.stderr.strip().splitlines()
        assert str(path) in line


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=64))
def test_arbitrary_bytes_never_crash_validate(cli: Cli, tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "blob.json"
    path.write_bytes(raw)
    result = cli("validate", path)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert str(path) in line
