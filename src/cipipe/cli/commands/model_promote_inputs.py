"""What ``cipipe model promote`` checks before a model replaces the approved one: the
comparison (``risk/model/promote_gate.py``) found in the work folder or given."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cipipe.cli.app import CliState
from cipipe.errors import InputError

if TYPE_CHECKING:
    from cipipe.risk.model.promote_gate import Verdict
    from cipipe.risk.model.registry import Registry


def max_age_of(text: str) -> timedelta:
    from cipipe.cli.commands.model import _lag_seconds

    try:
        return timedelta(seconds=_lag_seconds(text))
    except InputError:
        raise InputError(f"cannot read {text!r}", field="--max-age", expected="e.g. 7d") from None


def gate(
    state: CliState, reg: Registry, version: str, db: str | None, comparison: Path | None,
    max_age: timedelta, now: datetime, already: bool,
) -> Verdict:  # fmt: skip
    """Whether the comparison allows VERSION to replace the approved model."""
    from cipipe.cli.inputs import history_store
    from cipipe.contracts.model_compare import ModelCompare
    from cipipe.risk.model.history_audit import metadata_digest
    from cipipe.risk.model.promote_gate import Verdict, Wanted, check, first_model

    if already:  # the registry does not change: nothing replaces anything
        return Verdict(None, {})
    approved = reg.approved()
    if approved is None:
        return first_model()
    store = history_store(state, db)
    try:
        url = store.url
    finally:
        store.close()
    path = comparison or state.workdir.path / ModelCompare.FILE_NAME
    digest = metadata_digest(reg.load(version).metadata)
    return check(path, Wanted(version, approved, digest, url, now, max_age))
