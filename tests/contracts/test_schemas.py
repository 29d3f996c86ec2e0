"""The JSON Schemas in schemas/ are generated from the pydantic models and must not drift."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from cipipe.cli.commands.schema import render_schema
from cipipe.contracts.registry import all_schema_names, contract_names, json_schema
from tests.conftest import REPO_ROOT

SCHEMAS = REPO_ROOT / "schemas"


@pytest.mark.parametrize("name", all_schema_names())
def test_committed_schema_matches_model(name: str) -> None:
    path = SCHEMAS / f"{name}.schema.json"
    assert path.exists(), f"{path} missing: run `cipipe schema --write schemas`"
    assert path.read_text() == render_schema(name), (
        f"{path} is out of date with the model: run `cipipe schema --write schemas` "
        "and review the diff"
    )


def test_no_stray_schema_files() -> None:
    on_disk = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert on_disk == {f"{n}.schema.json" for n in all_schema_names()}


@pytest.mark.parametrize("name", contract_names())
def test_schema_is_valid_and_pins_its_id(name: str) -> None:
    schema: dict[str, Any] = json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == f"cipipe.{name}/1"
    assert schema["additionalProperties"] is False


def test_schema_accepts_what_the_model_writes_and_rejects_other_ids() -> None:
    from tests.contracts.samples import sample_contracts

    for contract in sample_contracts():
        data = json.loads(contract.to_json())
        validator = jsonschema.Draft202012Validator(json_schema(contract.SCHEMA_NAME))
        assert not list(validator.iter_errors(data))
        data["schema"] = "cipipe.other/1"
        assert list(validator.iter_errors(data))
