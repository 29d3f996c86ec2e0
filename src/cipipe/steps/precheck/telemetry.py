"""The telemetry contract: files the repository promises to carry, and keys they must hold."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from cipipe.confine import inside
from cipipe.contracts.loading import load_json, load_yaml
from cipipe.contracts.precheck import Finding
from cipipe.contracts.precheck_config import ContractFile
from cipipe.errors import InputError

RULE_MISSING_FILE = "telemetry-contract/missing-file"
RULE_MISSING_KEY = "telemetry-contract/missing-key"
RULE_UNREADABLE = "telemetry-contract/unreadable"


def _finding(path: str, rule: str, message: str) -> Finding:
    return Finding(file=path, rule=rule, message=message, severity="error", tool_severity="error")


def _has_key(document: Any, dotted: str) -> bool:
    node = document
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _load(file: Path) -> Any:
    # The project's own file, not a cipipe one: any keys and values, but the same limits on
    # size, depth and aliases, so a hostile contract file cannot hang or crash the precheck.
    if file.suffix.lower() == ".json":
        return load_json(file, check=False)
    return load_yaml(file, check=False)


def check_contract_files(repo: Path, required: list[ContractFile]) -> list[Finding]:
    findings: list[Finding] = []
    for entry in required:
        rel = PurePosixPath(entry.path)
        if rel.is_absolute() or ".." in rel.parts:
            findings.append(
                _finding(
                    entry.path, RULE_UNREADABLE, "contract path must stay inside the repository"
                )
            )
            continue
        file = repo / rel
        if not inside(file, repo):
            # Its parse errors and keys would show the target's content in the findings.
            findings.append(
                _finding(
                    entry.path,
                    RULE_UNREADABLE,
                    "a symbolic link that leads outside the repository: not read",
                )
            )
            continue
        if not file.is_file():
            findings.append(
                _finding(
                    entry.path, RULE_MISSING_FILE, "required telemetry contract file is missing"
                )
            )
            continue
        if not entry.keys:
            continue
        if file.suffix.lower() not in {".json", ".yaml", ".yml"}:
            findings.append(
                _finding(
                    entry.path, RULE_UNREADABLE, "keys can be checked only in JSON or YAML files"
                )
            )
            continue
        try:
            document = _load(file)
        except InputError as exc:
            findings.append(_finding(entry.path, RULE_UNREADABLE, f"cannot parse: {exc.detail}"))
            continue
        for key in entry.keys:
            if not _has_key(document, key):
                findings.append(
                    _finding(entry.path, RULE_MISSING_KEY, f"required key {key!r} is missing")
                )
    return findings
