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

from cipipe.contracts.risk_decision import Contributor, Signal
from cipipe.risk.changes import ChangeFacts
from cipipe.risk.policy import PolicyBundle

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


def _feature_terms(signals: Mapping[str, Signal], bundle: PolicyBundle) -> list[Contributor]:
    w = bundle.weights.weights
    ctx = bundle.weights.context
    miss = bundle.weights.missing_inputs

    def flag(name: str, weight: float, what: str) -> Contributor:
        on = signals[name].value is True
        rule = f"{weight:g} when {what}" + ("" if on else " (not the case)")
        return _term(name, signals[name], weight if on else 0.0, rule, getattr(miss, name))

    def per(name: str, weight: float, unit: float, what: str) -> Contributor:
        value = _num(signals[name])
        rule = f"{weight:g} per {what}: {value:g} / {unit:g} x {weight:g}"
        return _term(name, signals[name], value / unit * weight, rule, getattr(miss, name))

    qps = signals["production_qps"]
    busy = ctx.high_traffic
    traffic_on = _num(qps) >= busy.qps_at_least
    traffic = _term(
        "high_traffic",
        qps,
        busy.points if traffic_on else 0.0,
        f"{busy.points:g} at {busy.qps_at_least:g} requests/s or more (now {_num(qps):g})",
        miss.high_traffic,
    )
    return [
        per("lines_changed", w.loc_per_100_lines, 100, "100 changed lines"),
        per("files_changed", w.files_per_10, 10, "10 changed files"),
        flag("dependency_bump", w.dependency_bump, "a dependency was added or updated"),
        per("failed_unit_tests", w.failed_unit_test, 1, "failing or crashed unit test"),
        flag("integration_failure", w.integration_failure, "a smoke/integration test failed"),
        flag("critical_vulnerability", w.critical_vulnerability, "a critical CVE is present"),
        per("coverage_change", w.coverage_per_point, 1, "point of coverage change (gain lowers)"),
        per("module_past_failure_rate", w.module_past_failure_rate, 1, "unit of failure rate"),
        flag("peak_business", ctx.peak_business, "deploying in a peak business window"),
        flag(
            "last_release_rolled_back", ctx.last_release_rolled_back, "the last release rolled back"
        ),
        traffic,
    ]


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
    subtotal = _points(sum(term.points for term in features))
    terms = features + _modifier_terms(subtotal, signals, facts, bundle)
    total = _points(sum(term.points for term in terms))
    return Score(
        contributors=terms,
        score_before_clamp=total,
        risk_score=_clamp(total, bundle),
        missing_inputs=[term.feature for term in features if term.status == "missing"],
    )
