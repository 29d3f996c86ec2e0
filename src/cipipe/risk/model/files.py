"""A model folder's files and their hashes, without numpy: what the registry needs to list,
promote and verify models, so that ``model list`` and a decision whose policy model is not
approved run on the core install (numpy and LightGBM come with the 'model' extra).

A model folder holds model.json (metadata, transforms, the sha256 of every other file),
lightgbm.txt, logistic.json and calibration.json.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cipipe.risk.model import ModelError

METADATA = "model.json"
MODEL_FILES = ("lightgbm.txt", "logistic.json", "calibration.json")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc


def checked_metadata(data: Any, path: Path) -> dict[str, Any]:
    """``data`` checked against model.json's contract (cipipe.contracts.model), as the JSON
    object it was; ModelError naming ``path`` and the field when it does not match."""
    from pydantic import ValidationError

    from cipipe.contracts.loading import describe_validation_error
    from cipipe.contracts.model import ModelRecord

    if not isinstance(data, dict):
        raise ModelError("not a JSON object", file=str(path), expected="model.json's object")
    try:
        return ModelRecord.model_validate(data).to_record()
    except ValidationError as exc:
        field, problem, expected = describe_validation_error(exc, data)
        raise ModelError(problem, file=str(path), field=field, expected=expected) from exc


def read_metadata(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} not found")
    path = folder / METADATA
    if not path.is_file():
        raise ModelError(f"{path} is missing")
    return checked_metadata(read_json(path), path)


def verify_files(folder: Path, metadata: Mapping[str, Any]) -> dict[str, bytes]:
    """The model files' bytes, each checked against the sha256 in model.json."""
    contents = {}
    for name in MODEL_FILES:
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path} is missing")
        data = path.read_bytes()
        expected = metadata["files"].get(name)
        if sha256_bytes(data) != expected:
            raise ModelError(f"{path}: sha256 does not match model.json (changed or corrupt)")
        contents[name] = data
    return contents
