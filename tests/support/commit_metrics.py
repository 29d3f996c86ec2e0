"""Each commit against its first parent: the per-commit form of the one implementation
(``commit_batch.compute_changes``), which the agreement tests and the change-metrics benchmark
compare with PyDriller commit by commit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cipipe.steps.build_info.commit_batch import Change, Measured, compute_changes


def compute_commit_metrics(repo: Path, commits: Sequence[str]) -> dict[str, Measured]:
    """Each commit against its first parent (a root commit against nothing), by commit id."""
    found = compute_changes(repo, [Change(c) for c in commits])
    return {change.commit: measured for change, measured in found.items()}
