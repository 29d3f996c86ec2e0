"""SARIF 2.1.0 validation against the OASIS schema and its errata, for precheck's tests."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from tests.conftest import DATA


def sarif_validators() -> list[jsonschema.protocols.Validator]:
    draft7 = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    errata = json.loads((DATA / "sarif-schema-2.1.0-errata01.json").read_text())
    return [jsonschema.Draft7Validator(draft7), jsonschema.Draft4Validator(errata)]


def assert_valid_sarif(log: dict[str, Any]) -> None:
    for validator in sarif_validators():
        errors = sorted(validator.iter_errors(log), key=str)
        assert not errors, errors[0].message
