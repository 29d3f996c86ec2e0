"""Reading what a decision is made from: risk-inputs.json, context.yaml, the changed paths."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.loading import load_yaml, read_contract, validate_data
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.errors import InputError


@dataclass(frozen=True)
class DecisionInputs:
    risk_inputs: RiskInputs
    risk_inputs_sha256: str
    context: DecisionContext
    changed_paths: list[str] | None  # None: no build-info.json beside the risk inputs


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


def changed_paths_beside(inputs_path: Path) -> list[str] | None:
    """The changed files from build-info.json in the same folder, old and new names both."""
    info_path = inputs_path.parent / BuildInfo.FILE_NAME
    if not info_path.is_file():
        return None
    info = read_contract(BuildInfo, info_path)
    paths = {f.path for f in info.changes.files}
    paths.update(f.old_path for f in info.changes.files if f.old_path)
    return sorted(paths)


def read_decision_inputs(
    inputs_path: Path, context_path: Path | None, labels: Sequence[str]
) -> DecisionInputs:
    if not inputs_path.is_file():
        raise InputError(
            "missing; run `cipipe build-info` first (or give --inputs)", file=str(inputs_path)
        )
    raw = inputs_path.read_bytes()
    risk_inputs = read_contract(RiskInputs, inputs_path)
    context = read_context(context_path, labels)
    if context.changed_paths is not None:
        paths: list[str] | None = context.changed_paths
    else:
        paths = changed_paths_beside(inputs_path)
    return DecisionInputs(
        risk_inputs=risk_inputs,
        risk_inputs_sha256="sha256:" + hashlib.sha256(raw).hexdigest(),
        context=context,
        changed_paths=paths,
    )
