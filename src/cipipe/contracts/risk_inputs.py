"""risk-inputs.json: the normalised inputs of the risk decision (seed Step 3 A).

Every value says whether it was measured, defaulted (a documented stand-in, e.g. no coverage
baseline) or missing (its report did not exist): the decision must know the difference between
"0 failing tests" and "tests never ran".
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.identifiers import ArtifactName, BuildIdText, Name

Status = Literal["measured", "defaulted", "missing"]


class Number(Strict):
    value: float | None
    status: Status
    source: str | None = Field(default=None, description="The file or setting it came from")


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
    unit_tests_failed: Number
    unit_tests_flaky: Number
    integration_failed: Number = Field(description="Failed smoke / integration tests")
    test_errors: Number
    coverage_delta: Number = Field(description="Line coverage change in percentage points")
    dependencies_new: Number
    dependencies_updated: Number
    dependencies_new_names: Names
    dependencies_updated_names: Names
    vulnerabilities_critical: Number
    vulnerabilities_high: Number
    vulnerabilities_medium: Number
    files_changed: Number
    lines_added: Number
    lines_deleted: Number
    change_metrics: dict[str, Number] = Field(description="Kamei's 14 metrics by name")
    module_failure_rate: Number = Field(description="The highest past failure rate of a module")
    module_failure_rate_builds: Number = Field(description="Builds that rate is based on")
    emulator_results: list[EmulatorResult]
