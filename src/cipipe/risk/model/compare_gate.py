"""`model compare --fail-if`: policy diff's expressions (``risk/policy/diff_gate.py``) over the
comparison's figures, CURRENT as before and CANDIDATE as after, plus the models' own quality:
``auc``, ``brier``, ``ece`` (CANDIDATE's) and how each moved from CURRENT's."""

from __future__ import annotations

from collections.abc import Callable

from cipipe.contracts.model_compare import ModelFigures
from cipipe.risk.policy import diff_gate
from cipipe.risk.policy.diff_gate import Expression

ModelMetric = Callable[[ModelFigures], float | None]


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


METRICS: dict[str, ModelMetric] = {
    **diff_gate.METRICS,
    "auc": lambda f: f.quality_after.auc,
    "brier": lambda f: f.quality_after.brier,
    "ece": lambda f: f.quality_after.ece,
    "auc_drop": lambda f: _difference(f.quality_before.auc, f.quality_after.auc),
    "brier_increase": lambda f: _difference(f.quality_after.brier, f.quality_before.brier),
    "ece_increase": lambda f: _difference(f.quality_after.ece, f.quality_before.ece),
}
METRICS_HELP = (
    diff_gate.METRICS_HELP.replace("NEW", "CANDIDATE").replace("OLD", "CURRENT")
    + ", auc, brier, ece (CANDIDATE's probabilities), auc_drop (CURRENT AUC - CANDIDATE AUC), "
    "brier_increase, ece_increase (CANDIDATE - CURRENT)"
)


def parse(text: str) -> Expression[ModelFigures]:
    """One expression, or exit 2 naming it."""
    return diff_gate.parse_with(text, METRICS, METRICS_HELP)
