"""`policy diff --fail-if`: a small comparison language, parsed, never evaluated as code.

An expression is ``METRIC OP NUMBER`` or ``METRIC[SERVICE] OP NUMBER``, e.g. ``fpr>0.10``,
``recall_drop>0.05``, ``fpr[orders]>=0.2``. Metrics are read from NEW's replay unless their
name says otherwise; ``fpr_increase`` and ``recall_drop`` compare NEW with OLD. A metric whose
value is undefined (an FPR over no good release) never holds.

``model compare`` judges its comparison with the same language: ``parse`` takes the table of
metrics a command offers, and an expression reads any result with ``overall`` figures and
figures ``by_service`` (``Judged``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from cipipe.contracts.backtest import Performance
from cipipe.contracts.policy_diff import Condition, Figures
from cipipe.errors import InputError
from cipipe.risk.metrics import GATED_FRACTIONS

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_EXPRESSION = re.compile(
    r"\s*(?P<metric>[a-z][a-z0-9_]*)(?:\[(?P<service>[^\[\]]+)\])?\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*"
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*"
)
FIELD = "--fail-if"
EXPECTED = "METRIC OP NUMBER, e.g. fpr>0.10 or fpr[orders]>=0.2, OP one of > >= < <= == !="


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _recall_at(fraction: float) -> Callable[[Figures], float | None]:
    def read(f: Figures) -> float | None:
        return _top_recall(f.after, fraction)

    return read


def _top_recall(p: Performance, fraction: float) -> float | None:
    return next((row.recall for row in p.at_top if row.fraction == fraction), None)


F = TypeVar("F", bound=Figures)
F_co = TypeVar("F_co", bound=Figures, covariant=True)
Metric = Callable[[Figures], float | None]
METRICS: dict[str, Metric] = {
    "fpr": lambda f: f.after.fpr,
    "tpr": lambda f: f.after.tpr,
    "precision": lambda f: f.after.precision,
    **{f"recall_at_{round(fr * 100)}": _recall_at(fr) for fr in GATED_FRACTIONS},
    "fpr_increase": lambda f: _difference(f.after.fpr, f.before.fpr),
    "recall_drop": lambda f: _difference(f.before.tpr, f.after.tpr),
    "changed_decisions": lambda f: float(f.changed_decisions),
    "changed_fraction": lambda f: f.changed_decisions / f.releases if f.releases else None,
}
METRICS_HELP = (
    "fpr, tpr, precision (NEW's positive calls), "
    + ", ".join(f"recall_at_{round(fr * 100)}" for fr in GATED_FRACTIONS)
    + " (recall with that % of releases gated), fpr_increase (NEW FPR - OLD FPR), "
    "recall_drop (OLD TPR - NEW TPR), changed_decisions, changed_fraction"
)


class Judged(Protocol[F_co]):
    """What an expression reads: policy-diff.json, model-compare.json."""

    @property
    def overall(self) -> F_co: ...
    @property
    def by_service(self) -> Mapping[str, F_co]: ...


@dataclass(frozen=True)
class Expression(Generic[F]):
    text: str
    metric: str
    service: str | None
    op: str
    number: float
    read: Callable[[F], float | None]

    def value(self, diff: Judged[F]) -> float | None:
        if self.service is None:
            return self.read(diff.overall)
        figures = diff.by_service.get(self.service)
        if figures is None:
            known = ", ".join(diff.by_service) or "none: the history has no service column"
            raise InputError(
                f"{self.text!r}: service {self.service!r} is not in the history",
                field=FIELD,
                expected=f"one of {known}",
            )
        return self.read(figures)

    def check(self, diff: Judged[F]) -> Condition:
        value = self.value(diff)
        held = value is not None and OPERATORS[self.op](value, self.number)
        return Condition(expression=self.text, value=value, held=held)


def parse(text: str) -> Expression[Figures]:
    """One policy diff expression, or exit 2 naming it."""
    return parse_with(text, METRICS, METRICS_HELP)


def parse_with(
    text: str, metrics: Mapping[str, Callable[[F], float | None]], names: str
) -> Expression[F]:
    """One expression over ``metrics`` (``names`` lists them for the error), or exit 2."""
    found = _EXPRESSION.fullmatch(text)
    if found is None:
        raise InputError(f"cannot read {text!r}", field=FIELD, expected=EXPECTED)
    metric = found["metric"]
    if metric not in metrics:
        raise InputError(f"{text!r}: unknown metric {metric!r}", field=FIELD, expected=names)
    service = found["service"].strip() if found["service"] else None
    if found["service"] is not None and not service:
        raise InputError(f"cannot read {text!r}", field=FIELD, expected=EXPECTED)
    number = float(found["number"])
    return Expression(text.strip(), metric, service, found["op"], number, metrics[metric])


def check_all(expressions: list[Expression[F]], diff: Judged[F]) -> list[Condition]:
    """Every expression's condition; an unknown service is exit 2 before anything is written."""
    return [e.check(diff) for e in expressions]


def _shown(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4g}"


def held_message(conditions: list[Condition], command: str = "policy diff") -> str | None:
    """The one line naming each condition that held and its value, or None."""
    held = [c for c in conditions if c.held]
    if not held:
        return None
    return f"{command}: --fail-if held: " + "; ".join(
        f"{c.expression} ({_shown(c.value)})" for c in held
    )
