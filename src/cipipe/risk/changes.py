"""What kind of change this is, by the policy's globs, repo kinds, labels and branches.

Each fact is the evidence sentence that goes into the decision ("migrations/002.sql matches
migrations/**"), or None when the fact does not hold; a reviewer reads why, not just that.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cipipe.contracts.risk_decision import Signal
from cipipe.globs import glob_match
from cipipe.risk.policy.bundle import PolicyBundle
from cipipe.risk.policy.models import ChangeOverride

# Paths quoted as evidence; the rest are counted, so a huge migration stays one line.
_QUOTED = 3
_DEVICE_KINDS = ("firmware", "driver")


@dataclass(frozen=True)
class ChangeFacts:
    service: str
    db_schema_reason: str | None
    kernel_driver_reason: str | None
    paths_unknown: bool  # no list of changed files: path rules could not be checked
    hotfix_reason: str | None
    hardware_reason: str | None
    conservative_reason: str | None
    signing_reason: str | None


def _strings(signal: Signal) -> list[str]:
    return [str(v) for v in signal.value] if isinstance(signal.value, list) else []


def _path_evidence(paths: Sequence[str], rule: ChangeOverride) -> str | None:
    hits = [(p, g) for p in paths for g in rule.paths if glob_match(p, g)]
    if not hits:
        return None
    shown = ", ".join(f"{path} matches {glob}" for path, glob in hits[:_QUOTED])
    more = len(hits) - _QUOTED
    return shown + (f" and {more} more" if more > 0 else "")


def _change_evidence(rule: ChangeOverride, paths: Sequence[str], kind: str) -> str | None:
    if kind in rule.repo_kinds:
        return f"the repository is of kind {kind}"
    return _path_evidence(paths, rule)


def _hotfix(signals: Mapping[str, Signal], bundle: PolicyBundle) -> str | None:
    rule = bundle.mapping.overrides.hotfix
    for name, what in (("labels", "label"), ("pr_labels", "PR label")):
        found = sorted(set(_strings(signals[name])) & set(rule.labels))
        if found:
            return f"{what} {found[0]}"
    branch = signals["branch"].value
    if isinstance(branch, str):
        for pattern in rule.branches:
            if fnmatch.fnmatchcase(branch, pattern):
                return f"branch {branch} matches {pattern}"
    return None


def _platform_reason(
    platforms: Sequence[str], kinds: Sequence[str], built: Sequence[str], kind: str
) -> str | None:
    """Why the conservative ARM shift applies, or None: it is about ARM artifacts, so it needs
    one that was built (a planned platform skipped for want of a toolchain shipped nothing),
    whatever the repository's kind."""
    shipped = sorted(set(built) & set(platforms))
    if not shipped:
        return None
    if kind in kinds:
        return f"the repository is of kind {kind}, built for {', '.join(shipped)}"
    return f"built for {', '.join(shipped)}"


def detect(service: str, signals: Mapping[str, Signal], bundle: PolicyBundle) -> ChangeFacts:
    overrides = bundle.mapping.overrides
    adjust = bundle.mapping.platform_adjustments
    kind = str(signals["kind"].value or "service")
    paths = _strings(signals["changed_paths"])
    targets = _strings(signals["targets"])
    kernel = _change_evidence(overrides.kernel_driver_change, paths, kind)
    # The seed's platform penalty: device-level builds are riskier whatever the score says.
    hardware = kernel or (f"the repository is of kind {kind}" if kind in _DEVICE_KINDS else None)
    signing = None
    windows = adjust.windows_driver
    if kind in windows.repo_kinds and set(targets) & set(windows.platforms):
        new = signals["driver_signing_new"]
        if new.status == "missing":
            signing = "a driver built for Windows; signing status not given, so counted as new"
        elif new.value is True:
            signing = "a driver built for Windows with a new signing certificate"
    return ChangeFacts(
        service=service,
        db_schema_reason=_change_evidence(overrides.db_schema_change, paths, kind),
        kernel_driver_reason=kernel,
        paths_unknown=signals["changed_paths"].status == "missing",
        hotfix_reason=_hotfix(signals, bundle),
        hardware_reason=hardware,
        conservative_reason=_platform_reason(
            adjust.firmware_arm.platforms,
            adjust.firmware_arm.repo_kinds,
            _strings(signals["built_platforms"]),
            kind,
        ),
        signing_reason=signing,
    )
