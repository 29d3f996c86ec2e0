"""risk-inputs.json: the normalised inputs of the risk decision (seed Step 3 A).

Every value says whether it was measured, defaulted (a documented stand-in, e.g. no coverage
baseline) or missing (its report did not exist): the decision must know the difference between
"0 failing tests" and "tests never ran".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic.config import JsonDict

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import MAX_COUNT
from cipipe.identifiers import ArtifactName, BuildIdText, Name

Status = Literal["measured", "defaulted", "missing"]


class Number(Strict):
    value: Annotated[float, Field(ge=-MAX_COUNT, le=MAX_COUNT)] | None
    status: Status
    source: str | None = Field(default=None, description="The file or setting it came from")


def _within(low: float, high: float, what: str) -> tuple[AfterValidator, Any]:
    """A Number whose value, when there is one, lies in [low, high]: checked, and published
    in the JSON Schema."""

    def check(number: Number) -> Number:
        if number.value is not None and not low <= number.value <= high:
            raise ValueError(f"value {number.value:g} is out of range for {what}")
        return number

    bounds: JsonDict = {"properties": {"value": {"minimum": low, "maximum": high}}}
    return AfterValidator(check), Field(json_schema_extra=bounds)


# The value's meaning bounds it: a negative failed-test count would lower the risk.
CountNumber = Annotated[Number, *_within(0, MAX_COUNT, "a count (0 or more)")]
RateNumber = Annotated[Number, *_within(0, 1, "a rate (0 to 1)")]
PointsNumber = Annotated[Number, *_within(-100, 100, "a change in percentage points (-100 to 100)")]


class Names(Strict):
    value: list[str]
    status: Status
    source: str | None = None


class Text(Strict):
    value: str | None
    status: Status
    source: str | None = None


class ArtifactDigest(Strict):
    platform: Name
    name: ArtifactName
    sha256: str


class EmulatorResult(Strict):
    platform: Name
    runner: str
    passed: bool | None = Field(description="null: tests did not run on this platform")


class RiskInputs(Contract):
    SCHEMA_NAME = "risk-inputs"
    FILE_NAME = "risk-inputs.json"

    commit: str
    build_id: BuildIdText
    repo: str | None
    branch: str | None
    author: str | None
    service: Name
    kind: Text
    criticality: Text
    targets: list[Name] = Field(description="Platforms built for: arm, linux, windows, ...")
    artifacts: list[ArtifactDigest]
    unit_tests_failed: CountNumber
    unit_tests_flaky: CountNumber
    integration_failed: CountNumber = Field(description="Failed smoke / integration tests")
    test_errors: CountNumber
    coverage_delta: PointsNumber = Field(description="Line coverage change in percentage points")
    dependencies_new: CountNumber
    dependencies_updated: CountNumber
    dependencies_new_names: Names
    dependencies_updated_names: Names
    vulnerabilities_critical: CountNumber
    vulnerabilities_high: CountNumber
    vulnerabilities_medium: CountNumber
    files_changed: CountNumber
    lines_added: CountNumber
    lines_deleted: CountNumber
    change_metrics: dict[str, CountNumber] = Field(
        description="Kamei's 14 metrics by name (none negative)"
    )
    module_failure_rate: RateNumber = Field(description="The highest past failure rate of a module")
    module_failure_rate_builds: CountNumber = Field(description="Builds that rate is based on")
    emulator_results: list[EmulatorResult]
