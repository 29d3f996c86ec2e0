from __future__ import annotations

import json
from pathlib import Path

from cipipe.contracts.precheck_config import ContractFile
from cipipe.steps.precheck.telemetry import check_contract_files


def rules(repo: Path, *entries: ContractFile) -> list[tuple[str | None, str, str]]:
    return [(f.file, f.rule, f.message) for f in check_contract_files(repo, list(entries))]


def test_present_file_with_every_key_passes(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("service: s\nmetrics:\n  - name: a\nlogs: {fields: [x]}\n")
    entry = ContractFile(path="t.yaml", keys=["service", "metrics.0.name", "logs.fields"])
    assert rules(tmp_path, entry) == []


def test_missing_keys_are_named_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(json.dumps({"service": "s", "metrics": []}))
    entry = ContractFile(path="t.json", keys=["service", "metrics.0", "traces"])
    assert [r[2] for r in rules(tmp_path, entry)] == [
        "required key 'metrics.0' is missing",
        "required key 'traces' is missing",
    ]


def test_missing_unparsable_escaping_and_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [unclosed\n")
    (tmp_path / "notes.txt").write_text("service\n")
    (tmp_path / "only-exists.txt").write_text("anything")
    found = rules(
        tmp_path,
        ContractFile(path="absent.yaml"),
        ContractFile(path="broken.yaml", keys=["a"]),
        ContractFile(path="notes.txt", keys=["service"]),
        ContractFile(path="../outside.yaml"),
        ContractFile(path="only-exists.txt"),
    )
    assert [(f, r) for f, r, _ in found] == [
        ("absent.yaml", "telemetry-contract/missing-file"),
        ("broken.yaml", "telemetry-contract/unreadable"),
        ("notes.txt", "telemetry-contract/unreadable"),
        ("../outside.yaml", "telemetry-contract/unreadable"),
    ]
    assert "cannot parse" in found[1][2]
