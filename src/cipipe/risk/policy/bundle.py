"""A versioned policy bundle: the three YAML files plus policy-metadata.md (seed Step 3 E, F).

``load_policy_bundle`` validates every file, computes a content hash that does not depend on
YAML formatting, and records the git commit that last touched the folder, so each decision can
name exactly which policy made it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cipipe.contracts.loading import load_yaml, read_text, validate_data
from cipipe.errors import InputError
from cipipe.risk.policy.models import RiskWeights, StrategyMapping
from cipipe.risk.policy.thresholds import ThresholdsAndWindows

WEIGHTS_FILE = "risk-weights.yaml"
MAPPING_FILE = "strategy-mapping-policy.yaml"
THRESHOLDS_FILE = "thresholds-and-windows.yaml"
METADATA_FILE = "policy-metadata.md"

# Where a bundle came from: the package's own (the seed's defaults), a folder, a policy server.
PolicyOrigin = Literal["builtin", "folder", "url"]


@dataclass(frozen=True)
class PolicyBundle:
    """A validated bundle and where it came from."""

    folder: Path
    weights: RiskWeights
    mapping: StrategyMapping
    thresholds: ThresholdsAndWindows
    metadata: str
    version_id: str  # "sha256:" + hash of canonical_content
    git_commit: str | None = None
    origin: PolicyOrigin = "folder"


def canonical_content(
    weights: RiskWeights, mapping: StrategyMapping, thresholds: ThresholdsAndWindows, metadata: str
) -> bytes:
    """The bundle as sorted-key JSON: YAML comments, order and quoting do not change it."""
    document = {
        WEIGHTS_FILE: weights.model_dump(mode="json", by_alias=True),
        MAPPING_FILE: mapping.model_dump(mode="json", by_alias=True),
        THRESHOLDS_FILE: thresholds.model_dump(mode="json", by_alias=True),
        METADATA_FILE: metadata.replace("\r\n", "\n"),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def folder_commit(folder: Path) -> str | None:
    """The last commit that touched the folder, or None outside git (or when untracked)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%H", "--", "."],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def _check_hotfix_is_smaller(mapping: StrategyMapping, file: str) -> None:
    hotfix, normal = mapping.overrides.hotfix.canary.weights[0], mapping.pace.canary.weights[0]
    if hotfix >= normal:
        raise InputError(
            f"the hotfix canary starts at {hotfix}%",
            file=file,
            field="overrides.hotfix.canary.weights[0]",
            expected=f"below the normal canary's first step ({normal}%)",
        )


def load_policy_bundle(folder: Path, *, in_git: bool = True) -> PolicyBundle:
    """Read and validate the four files in ``folder``; any problem is one InputError.
    ``in_git``: ask git which commit last touched the folder (not for the built-in bundle,
    whose install folder may sit in some unrelated repository)."""
    if not folder.is_dir():
        raise InputError("policy folder not found", file=str(folder), expected="a folder")
    weights = validate_data(
        RiskWeights, load_yaml(folder / WEIGHTS_FILE), str(folder / WEIGHTS_FILE)
    )
    mapping = validate_data(
        StrategyMapping, load_yaml(folder / MAPPING_FILE), str(folder / MAPPING_FILE)
    )
    _check_hotfix_is_smaller(mapping, str(folder / MAPPING_FILE))
    thresholds = validate_data(
        ThresholdsAndWindows, load_yaml(folder / THRESHOLDS_FILE), str(folder / THRESHOLDS_FILE)
    )
    metadata = read_text(folder / METADATA_FILE)
    if not metadata.strip():
        raise InputError(
            "is empty", file=str(folder / METADATA_FILE), expected="owners, review rules, changes"
        )
    digest = hashlib.sha256(canonical_content(weights, mapping, thresholds, metadata)).hexdigest()
    return PolicyBundle(
        folder=folder,
        weights=weights,
        mapping=mapping,
        thresholds=thresholds,
        metadata=metadata,
        version_id=f"sha256:{digest}",
        git_commit=folder_commit(folder) if in_git else None,
    )
