"""The base of every cipipe JSON file: a pydantic model that names its own schema."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_ID_PATTERN = re.compile(r"^cipipe\.(?P<name>[a-z][a-z0-9-]*)/(?P<major>[0-9]+)$")


def _pin_schema_id(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # Publish the exact schema id as a const so external validators can dispatch on it.
    schema_id = getattr(model, "schema_id_value", None)
    if callable(schema_id):
        prop = schema.get("properties", {}).get("schema")
        if isinstance(prop, dict):
            prop["const"] = schema_id()
            prop["default"] = schema_id()


class Strict(BaseModel):
    """Nested objects: unknown keys are errors, so a typo never goes unnoticed."""

    # NaN passes every bound (it compares false) and infinity none of the arithmetic: refused.
    # defer_build: a model's validator is built when it first validates, not at import. A
    # command imports dozens of models (every nested one of the files it reads) but validates
    # through a few top-level ones, so building the rest at import was start-up spent for nothing.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, allow_inf_nan=False, defer_build=True
    )


class Contract(Strict):
    """A top-level cipipe file. ``schema`` is ``cipipe.<SCHEMA_NAME>/<SCHEMA_MAJOR>``."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        allow_inf_nan=False,
        defer_build=True,
        json_schema_extra=_pin_schema_id,
    )

    SCHEMA_NAME: ClassVar[str]
    SCHEMA_MAJOR: ClassVar[int] = 1
    FILE_NAME: ClassVar[str]

    schema_id: str = Field(default="", alias="schema", description="cipipe.<name>/<major>")

    @classmethod
    def schema_id_value(cls) -> str:
        return f"cipipe.{cls.SCHEMA_NAME}/{cls.SCHEMA_MAJOR}"

    @model_validator(mode="after")
    def _check_schema_id(self) -> Contract:
        expected = self.schema_id_value()
        if not self.schema_id:
            self.schema_id = expected
        elif self.schema_id != expected:
            raise ValueError(f"schema is {self.schema_id!r}, expected {expected!r}")
        return self

    def to_json(self) -> str:
        """Stable JSON: aliases, sorted by field order, trailing newline, UTF-8 kept readable."""
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
