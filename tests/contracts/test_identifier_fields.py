"""Every contract field that holds a service, platform or bundle name, a build id or an agent
label carries its strict pattern from cipipe.identifiers: a new ``platform: str`` fails here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cipipe.identifiers import (
    AGENT_LABEL_PATTERN,
    ARTIFACT_NAME_PATTERN,
    BUILD_ID_PATTERN,
    NAME_PATTERN,
)
from tests.conftest import CliResult
from tests.contracts.samples import sample_contracts

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PATTERN_OF = {
    "service": NAME_PATTERN,
    "platform": NAME_PATTERN,
    "bundle": NAME_PATTERN,
    "build_id": BUILD_ID_PATTERN,
    "agent": AGENT_LABEL_PATTERN,
}
# Lists and maps of names, by property name.
ITEMS_OF = {"targets": NAME_PATTERN, "supports": NAME_PATTERN}
KEYS_OF = {"agents": NAME_PATTERN, "platforms": NAME_PATTERN}
ARTIFACT_NAMES = {"Artifact", "StoredArtifact", "ArtifactDigest"}
# backtest.json describes a labelled history as it was recorded (a CSV, the history store), not
# a value the pipeline passes on: its service names are shown, never used in a path or a line.
# build-info.jfrog.json is JFrog's format: its "agent" is the CI server ({name, version}), not an
# agent label; its name and number carry the service and build-id patterns under their own keys.
# policy-diff.json replays such a history too, and model-compare.json scores one.
NOT_IDENTIFIERS = {
    "backtest.schema.json",
    "build-info-jfrog.schema.json",
    "policy-diff.schema.json",
    "model-compare.schema.json",
}


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(definition, property, its schema) for the top level and every $defs entry."""
    for name, node in [("(top)", schema), *schema.get("$defs", {}).items()]:
        for prop, sub in node.get("properties", {}).items():
            yield name, prop, sub


def string_branch(sub: dict[str, Any]) -> dict[str, Any]:
    """The string schema of a field, also when it is optional (anyOf string | null)."""
    branches: list[dict[str, Any]] = [
        b for b in sub.get("anyOf", [sub]) if b.get("type") == "string"
    ]
    assert len(branches) == 1, sub
    return branches[0]


def schema_files() -> list[Path]:
    return sorted(p for p in SCHEMAS.glob("*.schema.json") if p.name not in NOT_IDENTIFIERS)


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_identifier_fields_carry_their_pattern(path: Path) -> None:
    schema = json.loads(path.read_text())
    for definition, prop, sub in properties(schema):
        where = f"{path.name} {definition}.{prop}"
        if prop in PATTERN_OF:
            assert string_branch(sub).get("pattern") == PATTERN_OF[prop], where
        elif prop == "name" and definition in ARTIFACT_NAMES:
            assert sub.get("pattern") == ARTIFACT_NAME_PATTERN, where
        elif prop in ITEMS_OF and sub.get("type") == "array" and "$ref" not in sub["items"]:
            assert sub["items"].get("pattern") == ITEMS_OF[prop], where
        elif prop in KEYS_OF and sub.get("type") == "object":
            assert list(sub["patternProperties"]) == [KEYS_OF[prop]], where
            assert sub["additionalProperties"] is False, where


def test_the_walk_sees_the_fields_it_checks() -> None:
    seen = {
        (path.name, definition, prop)
        for path in schema_files()
        for definition, prop, _ in properties(json.loads(path.read_text()))
    }
    for expected in [
        ("matrix.schema.json", "PlatformPlan", "agent"),
        ("config.schema.json", "(top)", "agents"),
        ("config.schema.json", "PlatformConfig", "agent"),
        ("risk-inputs.schema.json", "(top)", "targets"),
        ("bundle-spec.schema.json", "MemberSpec", "platform"),
        ("artifacts.schema.json", "Artifact", "name"),
    ]:
        assert expected in seen


@pytest.mark.parametrize("value", ["linux\n", "linux\tarm", "li;nux", "$x", "a/b", "`x`"])
def test_validate_refuses_a_hostile_name_in_one_line(
    cli: Callable[..., CliResult], tmp_path: Path, value: str
) -> None:
    matrix = next(c for c in sample_contracts() if c.SCHEMA_NAME == "matrix")
    data = json.loads(matrix.to_json())
    data["platforms"][0]["platform"] = value
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps(data))
    result = cli("validate", path)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "matrix.json: platforms[0].platform" in line
