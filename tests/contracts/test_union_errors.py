"""A discriminated union's error names the key that chooses the branch, as it is in the file."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from cipipe.contracts.loading import validate_data
from cipipe.errors import InputError


class Rolling(BaseModel):
    strategy: Literal["rolling"]


class Canary(BaseModel):
    strategy: Literal["canary"]
    steps: list[int]


class Plan(BaseModel):
    pace: Annotated[Rolling | Canary, Field(discriminator="strategy")]


@pytest.mark.parametrize(
    ("pace", "message"),
    [
        ({"strategy": {"x": 1}}, "plan.json: pace.strategy: got \"{'x': 1}\""),
        ({"strategy": "fast"}, "plan.json: pace.strategy: got 'fast' (expected one of 'rolling'"),
        ({}, "plan.json: pace.strategy: required field is missing"),
        ({"strategy": "canary", "steps": "x"}, "plan.json: pace.steps: got 'x'"),
    ],
)
def test_the_field_is_the_path_in_the_file(pace: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_data(Plan, {"pace": pace}, "plan.json")
    assert str(caught.value).startswith(message), str(caught.value)
