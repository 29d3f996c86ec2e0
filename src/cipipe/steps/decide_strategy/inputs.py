"""Reading what a decision is made from: risk-inputs.json, context.yaml, the changed paths,
publish.json, which says where the decision goes, and gate.json, whose rejection stops it.

All of them are read and validated here, before the decision is computed, so a broken file is
exit 2 with nothing written and nothing audited."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.gate import GateReport
from cipipe.contracts.limits import MAX_JSON_BYTES
from cipipe.contracts.loading import (
    contract_from_text,
    decode_text,
    load_yaml,
    read_bytes,
    read_contract,
    validate_data,
)
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.errors import InputError
from cipipe.workdir import WorkDir


@dataclass(frozen=True)
class DecisionInputs:
    risk_inputs: RiskInputs
    risk_inputs_sha256: str
    context: DecisionContext
    changed_paths: list[str] | None  # None: no build-info.json beside the risk inputs
    published: PublishReport | None  # None: the build was not published
    gate: GateReport | None = None  # None: the gate did not run in this work folder
    # When the build started and its author, from build-info.json beside the risk inputs, as
    # `cipipe history record` stores them (a --from-db model's hour_of_day and reliability).
    started: tuple[datetime, str | None] | None = None


def read_context(path: Path | None, labels: Sequence[str]) -> DecisionContext:
    """context.yaml (all keys optional) with the --label values added to its labels."""
    context = DecisionContext()
    if path is not None:
        data = load_yaml(path)
        if data is None:
            data = {}
        context = validate_data(DecisionContext, data, str(path))
    if labels:
        context = context.model_copy(update={"labels": sorted({*context.labels, *labels})})
    return context


def build_info_beside(inputs_path: Path) -> BuildInfo | None:
    info_path = inputs_path.parent / BuildInfo.FILE_NAME
    if not os.path.lexists(info_path):
        return None  # anything else in its place, a folder or a FIFO, is refused by the read
    return read_contract(BuildInfo, info_path)


def changed_paths_of(info: BuildInfo | None) -> list[str] | None:
    """The changed files from build-info.json, old and new names both."""
    if info is None:
        return None
    paths = {f.path for f in info.changes.files}
    paths.update(f.old_path for f in info.changes.files if f.old_path)
    return sorted(paths)


def read_decision_inputs(
    inputs_path: Path, context_path: Path | None, labels: Sequence[str], work: WorkDir
) -> DecisionInputs:
    if not inputs_path.exists():
        raise InputError(
            "missing; run `cipipe build-info` first (or give --inputs)", file=str(inputs_path)
        )
    # The digest and the decision must describe the same bytes: read once, parse those.
    raw = read_bytes(inputs_path, limit=MAX_JSON_BYTES)
    risk_inputs = contract_from_text(
        RiskInputs, decode_text(raw, str(inputs_path)), str(inputs_path)
    )
    context = read_context(context_path, labels)
    info = build_info_beside(inputs_path)
    if context.changed_paths is not None:
        paths: list[str] | None = context.changed_paths
    else:
        paths = changed_paths_of(info)
    return DecisionInputs(
        risk_inputs=risk_inputs,
        risk_inputs_sha256="sha256:" + hashlib.sha256(raw).hexdigest(),
        context=context,
        changed_paths=paths,
        published=work.read_optional(PublishReport),
        gate=work.read_optional(GateReport),
        started=None
        if info is None
        else (info.created, info.author.email if info.author else None),
    )
