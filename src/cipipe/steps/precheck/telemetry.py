"""The telemetry contract: files the repository promises to carry, and keys they must hold."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from cipipe.confine import inside
from cipipe.contracts.precheck import Finding
from cipipe.contracts.repo_config import ContractFile

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
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


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
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            findings.append(_finding(entry.path, RULE_UNREADABLE, f"cannot parse: {reason}"))
            continue
        for key in entry.keys:
            if not _has_key(document, key):
                findings.append(
                    _finding(entry.path, RULE_MISSING_KEY, f"required key {key!r} is missing")
                )
    return findings
