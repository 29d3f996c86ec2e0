"""model.json: a trained risk model's record in the model registry (``models/<version>/``).

`cipipe model train` writes it (cipipe.risk.model.train builds it, the registry adds ``files``
and ``approval``); decide-strategy, `model list`, `model promote` and `model serve` read it.
It names the model's inputs and the transforms scoring must apply (``columns``), the sha256
of the other files of the folder (lightgbm.txt, logistic.json, calibration.json), the
held-out metrics, what the model was trained on, and its approval state.

The training settings and the selection report are free-form records of what training did
(they changed when rolling-origin selection replaced the single calibration window, and a
registry keeps models of both layouts): typed as objects, not field by field.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# As cipipe.risk.model.registry.VERSION_RE: m-<UTC time>-<hash8>.
ModelVersion = Annotated[str, Field(pattern=r"^m-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")]
UtcStamp = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
]
ModelState = Literal["candidate", "approved", "retired"]
# int before float: a count stays an int (``"rows": 600``), so the bytes written are kept.
MetricValue = int | float | str | None


class ModelColumn(Strict):
    name: str = Field(min_length=1, description="The engineered column's name")
    op: str = Field(min_length=1, description="The transform (cipipe.risk.model.features.OPS)")
    inputs: list[str] = Field(min_length=1, description="The raw inputs it is computed from")


class ApprovalStep(Strict):
    state: ModelState
    by: str = Field(description="Who changed the state")
    at: UtcStamp


class Approval(Strict):
    state: ModelState = Field(description="At most one version of a registry is approved")
    history: list[ApprovalStep] = Field(description="Every state change, oldest first")


class Window(Strict):
    rows: int = Field(ge=0)
    from_: UtcStamp | None = Field(alias="from", description="The oldest row's time")
    to: UtcStamp | None = Field(description="The newest row's time")
    failed: int = Field(ge=0, description="Rows labelled failed")


class SavedModel(Strict):
    refit_on_every_row: bool = Field(
        description="The saved model was refit on every row, the test window included"
    )
    rows: int = Field(ge=0)
    window: Window


class Training(Strict):
    source: str = Field(description="The history the model was trained on")
    rows: int = Field(ge=0)
    snapshot_sha256: Sha256 = Field(description="sha256 of the rows and inputs used")
    settings: dict[str, Any] = Field(description="The chosen setting and the fitting parameters")
    selection: dict[str, Any] | None = Field(
        default=None, description="Rolling-origin selection: folds and each candidate's AUC"
    )
    windows: dict[str, Window] = Field(description="The windows of the history by role")
    saved_model: SavedModel | None = Field(default=None, description="What the saved model saw")


class ModelMetrics(Strict):
    calibration: dict[str, MetricValue] = Field(description="Out-of-fold calibration figures")
    test: dict[str, MetricValue] | None = Field(
        default=None, description="The held-out test window (absent when it was empty)"
    )
    saved_model: SavedModel | None = None


class ModelRecord(Contract):
    SCHEMA_NAME: ClassVar[str] = "model"
    FILE_NAME: ClassVar[str] = "model.json"

    version: ModelVersion
    created_at: UtcStamp
    features: list[str] = Field(
        min_length=1, description="The raw inputs, as the loader names them"
    )
    features_as_given: list[str] | None = Field(
        default=None, description="The --features list as the user spelled it"
    )
    columns: list[ModelColumn] = Field(min_length=1)
    training: Training
    metrics: ModelMetrics
    files: dict[str, Sha256] = Field(description="sha256 of every other file of the folder")
    approval: Approval | None = Field(default=None, description="The state; absent: candidate")

    def to_record(self) -> dict[str, Any]:
        """The JSON object as it was given: only the fields it had, nothing coerced."""
        record: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return record
