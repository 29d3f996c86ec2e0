"""The outcome label windows of thresholds-and-windows.yaml (seed Step 3 I: X and Y)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cipipe.risk.policy.builtin import load_builtin_bundle
from cipipe.risk.policy.thresholds import Labels


def test_the_shipped_bundle_states_the_defaults() -> None:
    labels = load_builtin_bundle().thresholds.labels
    assert labels == Labels()
    assert (labels.rollback_within, labels.stable_for) == (48 * 3600, 72 * 3600)
    assert labels.unsignalled_is_ok is False


def test_durations_are_read_like_the_other_windows() -> None:
    labels = Labels.model_validate(
        {"rollback_within": "6h", "stable_for": "2d", "unsignalled_is_ok": True}
    )
    assert (labels.rollback_within, labels.stable_for, labels.unsignalled_is_ok) == (
        6 * 3600,
        2 * 86400,
        True,
    )


@pytest.mark.parametrize(
    "bad", [{"stable_for": "0h"}, {"rollback_within": 3}, {"unsignalled_is_ok": "yes"}, {"y": "1h"}]
)
def test_bad_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Labels.model_validate(bad)
