"""The Phase-1 heuristic (seed Step 3 C): a weighted sum whose every term is shown.

    subtotal = sum(weight * feature)            features of the change and of the context
    score    = subtotal * criticality_factor    the factor's share is its own contributor
             + hardware_penalty + per-OS and per-service shifts
    risk_score = clamp(round(score))

Every term is a Contributor with the points it added, rounded to 4 decimals before summing,
so the listed points add up to ``score_before_clamp`` exactly and the reasoning is the
computation, not a summary of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from cipipe.contracts.risk_decision import Contributor, Signal
from cipipe.risk.changes import ChangeFacts
from cipipe.risk.policy.bundle import PolicyBundle

_PLACES = 4


@dataclass(frozen=True)
class Score:
    contributors: list[Contributor]  # every term, in the order of the formula
    score_before_clamp: float
    risk_score: int
    missing_inputs: list[str]


def _points(value: float) -> float:
    return round(value, _PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0 for stable output


def _num(signal: Signal) -> float:
    value = signal.value
    return float(value) if isinstance(value, int | float) else 0.0


def _term(
    feature: str, signal: Signal, points: float, rule: str, missing_points: float
) -> Contributor:
    if signal.status == "missing":
        return Contributor(
            feature=feature,
            raw_value=None,
            status="missing",
            points=_points(missing_points),
            rule=f"not measured ({signal.source}): missing_inputs.{feature} = {missing_points:g}",
        )
    raw = signal.value if isinstance(signal.value, int | float | bool | str) else None
    return Contributor(
        feature=feature, raw_value=raw, status=signal.status, points=_points(points), rule=rule
    )


@dataclass(frozen=True)
class Term:
    """One weighted feature term, declared once for the per-decision score and the backtest.

    ``kind`` says how the value becomes points: ``per`` adds ``value / unit x weight``,
    ``flag`` adds the weight once when the value is on (> 0 in a history), ``at_least`` adds
    the weight once the value reaches ``threshold_key``'s number. ``columns`` are the history
    columns that carry the value, as alternatives (the first set a history has wins; the
    columns of a set are summed, as the signal sums the risk inputs).
    """

    feature: str  # the contributor's name and its missing_inputs key
    section: Literal["weights", "context"]
    weight_key: str
    kind: Literal["per", "flag", "at_least"]
    what: str
    columns: tuple[tuple[str, ...], ...]
    unit: float = 1.0
    signal: str = ""  # the signal it reads, when not named like the feature

    @property
    def signal_name(self) -> str:
        return self.signal or self.feature

    def weight(self, bundle: PolicyBundle) -> float:
        if self.kind == "at_least":
            busy = getattr(bundle.weights.context, self.weight_key)
            return float(busy.points)
        return float(getattr(getattr(bundle.weights, self.section), self.weight_key))

    def threshold(self, bundle: PolicyBundle) -> float:
        return float(getattr(bundle.weights.context, self.weight_key).qps_at_least)


TERMS: tuple[Term, ...] = (
    Term("lines_changed", "weights", "loc_per_100_lines", "per", "100 changed lines",
         (("lines_added", "lines_deleted"), ("la", "ld")), unit=100),
    Term("files_changed", "weights", "files_per_10", "per", "10 changed files",
         (("files_changed",), ("nf",)), unit=10),
    Term("dependency_bump", "weights", "dependency_bump", "flag",
         "a dependency was added or updated", (("dependencies_new", "dependencies_updated"),)),
    Term("failed_unit_tests", "weights", "failed_unit_test", "per",
         "failing or crashed unit test", (("unit_tests_failed", "test_errors"),
                                          ("unit_tests_failed",))),
    Term("integration_failure", "weights", "integration_failure", "flag",
         "a smoke/integration test failed", (("integration_failed",),)),
    Term("critical_vulnerability", "weights", "critical_vulnerability", "flag",
         "a critical CVE is present", (("vulnerabilities_critical",),)),
    Term("coverage_change", "weights", "coverage_per_point", "per",
         "point of coverage change (gain lowers)", (("coverage_delta",),)),
    Term("module_past_failure_rate", "weights", "module_past_failure_rate", "per",
         "unit of failure rate", (("module_failure_rate",),)),
    Term("peak_business", "context", "peak_business", "flag",
         "deploying in a peak business window", (("peak_business",),)),
    Term("last_release_rolled_back", "context", "last_release_rolled_back", "flag",
         "the last release rolled back", (("last_release_rolled_back",),)),
    Term("high_traffic", "context", "high_traffic", "at_least", "requests/s or more",
         (("production_qps",),), signal="production_qps"),
)  # fmt: skip


def _rule(term: Term, bundle: PolicyBundle, value: float, on: bool) -> str:
    weight = term.weight(bundle)
    if term.kind == "per":
        return f"{weight:g} per {term.what}: {value:g} / {term.unit:g} x {weight:g}"
    if term.kind == "flag":
        return f"{weight:g} when {term.what}" + ("" if on else " (not the case)")
    return f"{weight:g} at {term.threshold(bundle):g} {term.what} (now {value:g})"


def term_points(term: Term, bundle: PolicyBundle, signal: Signal) -> tuple[float, str]:
    """The points of one measured term and the rule that explains them."""
    weight = term.weight(bundle)
    value = _num(signal)
    if term.kind == "per":
        return value / term.unit * weight, _rule(term, bundle, value, True)
    on = signal.value is True if term.kind == "flag" else value >= term.threshold(bundle)
    return (weight if on else 0.0), _rule(term, bundle, value, on)


def _feature_terms(signals: Mapping[str, Signal], bundle: PolicyBundle) -> list[Contributor]:
    miss = bundle.weights.missing_inputs
    contributors = []
    for term in TERMS:
        signal = signals[term.signal_name]
        points, rule = term_points(term, bundle, signal)
        contributors.append(_term(term.feature, signal, points, rule, getattr(miss, term.feature)))
    return contributors


def _modifier(
    feature: str, raw: float | bool | str | None, points: float, rule: str
) -> Contributor:
    return Contributor(
        feature=feature, raw_value=raw, status="measured", points=_points(points), rule=rule
    )


def _modifier_terms(
    subtotal: float, signals: Mapping[str, Signal], facts: ChangeFacts, bundle: PolicyBundle
) -> list[Contributor]:
    criticality = str(signals["criticality"].value or "normal")
    factor = getattr(bundle.weights.criticality_factors, criticality)
    terms = [
        _modifier(
            "criticality",
            criticality,
            subtotal * (factor - 1),
            f"subtotal {subtotal:g} x {factor:g} ({criticality} criticality)",
        )
    ]
    if facts.hardware_reason:
        penalty = bundle.weights.weights.hardware_penalty
        terms.append(
            _modifier("hardware_penalty", True, penalty, f"+{penalty:g}: {facts.hardware_reason}")
        )
    adjust = bundle.mapping.platform_adjustments
    if facts.conservative_reason:
        shift = adjust.firmware_arm.score_shift
        terms.append(
            _modifier(
                "firmware_arm_shift",
                True,
                shift,
                f"+{shift:g} (platform_adjustments.firmware_arm): {facts.conservative_reason}",
            )
        )
    if facts.signing_reason:
        penalty = adjust.windows_driver.new_signing_penalty
        terms.append(
            _modifier(
                "windows_driver_signing",
                True,
                penalty,
                f"+{penalty:g} (platform_adjustments.windows_driver): {facts.signing_reason}",
            )
        )
    service = bundle.thresholds.services.get(facts.service)
    if service is not None and service.score_shift:
        terms.append(
            _modifier(
                "service_shift",
                facts.service,
                service.score_shift,
                f"+{service.score_shift} (thresholds-and-windows services.{facts.service})",
            )
        )
    return terms


def _clamp(total: float, bundle: PolicyBundle) -> int:
    rounded = int(Decimal(str(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    clamp = bundle.weights.clamp
    return max(clamp.min, min(clamp.max, rounded))


def score(signals: Mapping[str, Signal], facts: ChangeFacts, bundle: PolicyBundle) -> Score:
    features = _feature_terms(signals, bundle)
    missing = [term.feature for term in features if term.status == "missing"]
    return score_from(features, signals, facts, bundle, missing_inputs=missing)


def score_from(
    features: list[Contributor],
    signals: Mapping[str, Signal],
    facts: ChangeFacts,
    bundle: PolicyBundle,
    *,
    missing_inputs: list[str],
) -> Score:
    """The modifiers (criticality, hardware penalty, per-OS and per-service shifts) on top of
    ``features``, whoever computed them: the weighted sum, or an approved model."""
    subtotal = _points(sum(term.points for term in features))
    terms = features + _modifier_terms(subtotal, signals, facts, bundle)
    total = _points(sum(term.points for term in terms))
    return Score(
        contributors=terms,
        score_before_clamp=total,
        risk_score=_clamp(total, bundle),
        missing_inputs=missing_inputs,
    )
