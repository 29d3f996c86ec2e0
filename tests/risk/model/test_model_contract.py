"""model.json has a contract (cipipe.contracts.model): the registry writes through it, every
reader reads through it, `cipipe validate` and schemas/model.schema.json accept what training
writes, and a record that does not match is one exit-2 line naming the file and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.risk.model import ModelError
from cipipe.risk.model.files import sha256_bytes
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.train import TrainedModel
from tests.conftest import CliResult
from tests.support.conformance_schemas import cipipe_schema_errors

Cli = Callable[..., CliResult]


@pytest.fixture
def registry(tmp_path: Path, trained: TrainedModel) -> Registry:
    reg = Registry(tmp_path / "models")
    reg.save(trained, by="alice")
    return reg


def _record(registry: Registry, version: str) -> tuple[Path, dict[str, Any]]:
    path = registry.folder(version) / "model.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_the_bytes_written_are_the_records_as_before(
    registry: Registry, trained: TrainedModel
) -> None:
    path, _ = _record(registry, trained.version)
    expected = {
        **trained.metadata,
        "files": {name: sha256_bytes(data) for name, data in trained.files.items()},
        "approval": {
            "state": "candidate",
            "history": [{"state": "candidate", "by": "alice", "at": "2026-03-04T10:00:00Z"}],
        },
    }
    # The contract checks the record and keeps it as it is: counts stay ints, keys sorted.
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=2, sort_keys=True) + "\n"


def test_schema_and_validate_accept_what_training_writes(
    cli: Cli, registry: Registry, trained: TrainedModel
) -> None:
    path, record = _record(registry, trained.version)
    assert record["schema"] == "cipipe.model/1"
    assert cipipe_schema_errors(record) == []
    result = cli("validate", path)
    assert result.exit_code == 0, result.stderr
    registry.promote(trained.version, by="bob")
    _, promoted = _record(registry, trained.version)
    assert promoted["approval"]["state"] == "approved"
    assert cipipe_schema_errors(promoted) == []


def test_a_record_of_the_earlier_layout_still_reads(
    registry: Registry, trained: TrainedModel
) -> None:
    """Models trained before rolling-origin selection (one calibration window, no refit)
    stay in registries: their record lacks selection and saved_model."""
    path, record = _record(registry, trained.version)
    training = record["training"]
    del training["selection"], training["saved_model"], record["metrics"]["saved_model"]
    training["settings"]["calibration_fraction"] = 0.2
    window = training["windows"]["train"]
    training["windows"] = {"fit": window, "calibration": window, "test": window}
    path.write_text(json.dumps(record), encoding="utf-8")
    assert registry.load(trained.version).version == trained.version
    assert [e.state for e in registry.entries()] == ["candidate"]


def test_a_record_that_does_not_match_is_named_by_file_and_field(
    cli: Cli,
    registry: Registry,
    trained: TrainedModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, record = _record(registry, trained.version)
    record["approval"]["state"] = "aproved"  # a hand edit's typo
    path.write_text(json.dumps(record), encoding="utf-8")
    monkeypatch.setenv("CIPIPE_DB", str(tmp_path / "history.db"))
    result = cli("model", "promote", trained.version, "--registry", registry.root)
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()[-1]
    assert str(path) in line and "approval.state" in line and "'aproved'" in line
    with pytest.raises(ModelError, match=r"metrics\.test\.auc"):
        record["approval"]["state"] = "approved"
        record["metrics"]["test"]["auc"] = [0.8]
        path.write_text(json.dumps(record), encoding="utf-8")
        registry.load(trained.version)
    listed = cli("model", "list", "--registry", registry.root)
    assert trained.version in listed.stdout and "unreadable" in listed.stdout
    validated = cli("validate", path)
    assert validated.exit_code == 2 and "metrics.test.auc" in validated.stderr


def test_the_registry_never_writes_a_record_that_does_not_match(
    tmp_path: Path, trained: TrainedModel
) -> None:
    metadata = {**trained.metadata, "created_at": "yesterday"}
    broken = TrainedModel(trained.version, metadata, trained.files, trained.model)
    registry = Registry(tmp_path / "models")
    with pytest.raises(ModelError, match="created_at"):
        registry.save(broken, by="alice")
    assert not registry.folder(trained.version).exists()  # nor the model's other files
