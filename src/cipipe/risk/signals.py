"""Normalise risk-inputs.json and the runtime context into the signals the policy reads.

Each signal keeps the status of the evidence behind it: a sum of two inputs is missing when
either is, so "no test ran" can never turn into "no test failed".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.risk_decision import CalendarState, Signal
from cipipe.contracts.risk_inputs import Number, RiskInputs, Status
from cipipe.risk.calendar import in_windows
from cipipe.risk.policy.bundle import PolicyBundle

CONTEXT_FILE = "context.yaml"


def _worst(*statuses: Status) -> Status:
    for status in ("missing", "defaulted"):
        if status in statuses:
            return status
    return "measured"


def _sources(*numbers: Number) -> str | None:
    names = sorted({n.source for n in numbers if n.source})
    return ", ".join(names) or None


def _total(*numbers: Number) -> Signal:
    status = _worst(*(n.status for n in numbers))
    if status == "missing" or any(n.value is None for n in numbers):
        return Signal(value=None, status="missing", source=_sources(*numbers))
    return Signal(
        value=sum(n.value or 0.0 for n in numbers), status=status, source=_sources(*numbers)
    )


def _any_positive(*numbers: Number) -> Signal:
    total = _total(*numbers)
    if not isinstance(total.value, float):
        return total
    return Signal(value=total.value > 0, status=total.status, source=total.source)


def _copy(number: Number) -> Signal:
    return Signal(value=number.value, status=number.status, source=number.source)


def _given(value: bool | float | str | None, what: str) -> Signal:
    if value is None:
        return Signal(value=None, status="missing", source=f"{CONTEXT_FILE} ({what} not given)")
    return Signal(value=value, status="measured", source=CONTEXT_FILE)


def _calendar_flag(given: bool | None, name: str, bundle: PolicyBundle, moment: datetime) -> Signal:
    if given is not None:
        return Signal(value=given, status="measured", source=CONTEXT_FILE)
    calendar = bundle.thresholds.calendar
    windows = getattr(calendar, name)
    return Signal(
        value=in_windows(windows, moment, calendar.timezone),
        status="measured",
        source=f"thresholds-and-windows.yaml calendar.{name}",
    )


def calendar_state(bundle: PolicyBundle, context: DecisionContext, now: datetime) -> CalendarState:
    """The calendar at the planned deploy time, or at ``now`` when none was given.

    ``now`` itself is not recorded (it is decided_at): the same inputs in the same calendar
    state must give the same file, so its digest only changes when an input does."""
    moment = (context.deploy_at or now).astimezone(UTC)
    planned = (
        context.deploy_at.astimezone(UTC).replace(microsecond=0) if context.deploy_at else None
    )
    return CalendarState(
        evaluated_at=planned.isoformat().replace("+00:00", "Z") if planned else None,
        peak_business=_calendar_flag(context.peak_business, "peak_business", bundle, moment),
        maintenance_window=_calendar_flag(
            context.maintenance_window, "maintenance", bundle, moment
        ),
        change_freeze=_calendar_flag(context.change_freeze, "change_freeze", bundle, moment),
    )


def _criticality(inputs: RiskInputs, context: DecisionContext) -> Signal:
    if context.criticality is not None:
        return Signal(value=context.criticality, status="measured", source=CONTEXT_FILE)
    return Signal(
        value=inputs.criticality.value,
        status=inputs.criticality.status,
        source=inputs.criticality.source,
    )


def _changed_paths(context: DecisionContext, from_build_info: Sequence[str] | None) -> Signal:
    if context.changed_paths is not None:
        return Signal(value=sorted(context.changed_paths), status="measured", source=CONTEXT_FILE)
    if from_build_info is not None:
        return Signal(value=sorted(from_build_info), status="measured", source="build-info.json")
    return Signal(value=None, status="missing", source="build-info.json (not found)")


def normalise(
    inputs: RiskInputs,
    context: DecisionContext,
    calendar: CalendarState,
    changed_paths: Sequence[str] | None,
) -> dict[str, Signal]:
    """Every signal the heuristic, the overrides and the per-OS rules read, by name."""
    branch = context.branch or inputs.branch
    return {
        "lines_changed": _total(inputs.lines_added, inputs.lines_deleted),
        "files_changed": _copy(inputs.files_changed),
        "dependency_bump": _any_positive(inputs.dependencies_new, inputs.dependencies_updated),
        "failed_unit_tests": _total(inputs.unit_tests_failed, inputs.test_errors),
        "integration_failure": _any_positive(inputs.integration_failed),
        "critical_vulnerability": _any_positive(inputs.vulnerabilities_critical),
        "critical_vulnerabilities": _copy(inputs.vulnerabilities_critical),
        "coverage_change": _copy(inputs.coverage_delta),
        "module_past_failure_rate": _copy(inputs.module_failure_rate),
        "peak_business": calendar.peak_business,
        "maintenance_window": calendar.maintenance_window,
        "change_freeze": calendar.change_freeze,
        "last_release_rolled_back": _given(
            context.last_release_rolled_back, "last_release_rolled_back"
        ),
        "production_qps": _given(context.production_qps, "production_qps"),
        "previous_release_at": _given(
            context.previous_release_at.isoformat() if context.previous_release_at else None,
            "previous_release_at",
        ),
        "criticality": _criticality(inputs, context),
        "kind": Signal(
            value=inputs.kind.value, status=inputs.kind.status, source=inputs.kind.source
        ),
        "targets": Signal(value=list(inputs.targets), status="measured", source="risk-inputs.json"),
        # What was built, not what was planned: a platform skipped for want of a toolchain
        # shipped nothing, so no platform rule may count it.
        "built_platforms": Signal(
            value=sorted({a.platform for a in inputs.artifacts}),
            status="measured",
            source="risk-inputs.json",
        ),
        "branch": Signal(
            value=branch,
            status="measured" if branch else "missing",
            source=CONTEXT_FILE if context.branch else "risk-inputs.json",
        ),
        "labels": Signal(value=sorted(set(context.labels)), status="measured", source=CONTEXT_FILE),
        "pr_labels": Signal(
            value=sorted(set(context.pr_labels)), status="measured", source=CONTEXT_FILE
        ),
        "changed_paths": _changed_paths(context, changed_paths),
        "driver_signing_new": _given(context.driver_signing_new, "driver_signing_new"),
    }
