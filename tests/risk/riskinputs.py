"""Test data for the risk decision: a realistic ``RiskInputs`` and a work folder holding it.

Shared by the risk tests; keep it generic. ``make_risk_inputs()`` gives a small, ordinary change
to a ``service`` with every input measured (no missing evidence), so a test changes only what it
is about::

    inputs = make_risk_inputs(unit_tests_failed=2, criticality=text("high"))
    work = write_workdir(tmp_path / "work", inputs, with_build_info_paths=["src/main.c"])

Numbers may be given as plain ``int``/``float``: they become measured values; pass a
``Number`` (see ``measured``/``missing``) to control the status and source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cipipe.contracts.build_info import (
    BuildInfo,
    ChangedFile,
    ChangeMetrics,
    Changes,
    DiffRange,
    PlatformInfo,
)
from cipipe.contracts.risk_inputs import (
    ArtifactDigest,
    EmulatorResult,
    Names,
    Number,
    RiskInputs,
    Status,
    Text,
)
from cipipe.workdir import WorkDir

SERVICE = "svc"
BUILD_ID = "7"
COMMIT = "c" * 40
PLATFORMS = ("linux", "arm")
CREATED = datetime(2026, 1, 2, 10, tzinfo=UTC)

METRICS: dict[str, float] = {
    "ns": 1,
    "nd": 2,
    "nf": 3,
    "entropy": 1.2,
    "la": 120,
    "ld": 30,
    "lt": 900,
    "fix": 0,
    "ndev": 3,
    "age": 12.5,
    "nuc": 8,
    "exp": 40,
    "rexp": 6.5,
    "sexp": 20,
}
"""Kamei's 14 change metrics of the default change, by name (``fix`` as 0/1)."""


def measured(value: float | None, source: str = "test") -> Number:
    return Number(value=value, status="measured", source=source)


def missing(source: str = "test (not produced)") -> Number:
    return Number(value=None, status="missing", source=source)


def text(value: str | None, status: Status = "measured", source: str = ".cipipe.yaml") -> Text:
    return Text(value=value, status=status, source=source)


def names(values: Sequence[str], status: Status = "measured") -> Names:
    return Names(value=list(values), status=status, source="deps_changed.json")


def _defaults() -> dict[str, Any]:
    return {
        "commit": COMMIT,
        "build_id": BUILD_ID,
        "repo": "https://git.example.test/team/svc.git",
        "branch": "main",
        "author": "dev@example.test",
        "service": SERVICE,
        "kind": text("service"),
        "criticality": text("normal"),
        "targets": list(PLATFORMS),
        "artifacts": [
            ArtifactDigest(platform=p, name=f"{SERVICE}-{p}-{BUILD_ID}", sha256=f"{i:064x}")
            for i, p in enumerate(PLATFORMS, start=1)
        ],
        "unit_tests_failed": measured(0, "tests.json"),
        "unit_tests_flaky": measured(0, "tests.json"),
        "integration_failed": measured(0, "tests.json"),
        "test_errors": measured(0, "tests.json"),
        "coverage_delta": measured(0.4, "tests.json"),
        "dependencies_new": measured(0, "deps_changed.json"),
        "dependencies_updated": measured(1, "deps_changed.json"),
        "dependencies_new_names": names([]),
        "dependencies_updated_names": names(["pkg:pypi/requests"]),
        "vulnerabilities_critical": measured(0, "scan.json"),
        "vulnerabilities_high": measured(1, "scan.json"),
        "vulnerabilities_medium": measured(2, "scan.json"),
        "files_changed": measured(METRICS["nf"], "git"),
        "lines_added": measured(METRICS["la"], "git"),
        "lines_deleted": measured(METRICS["ld"], "git"),
        "change_metrics": {k: measured(v, "git") for k, v in METRICS.items()},
        "module_failure_rate": measured(0.1, "history: src"),
        "module_failure_rate_builds": measured(20, "history: src"),
        "emulator_results": [
            EmulatorResult(platform="arm", runner="qemu-aarch64", passed=True),
        ],
    }


def make_risk_inputs(**overrides: Any) -> RiskInputs:
    """A validated ``RiskInputs`` with every field measured; ``overrides`` replace fields by
    name (plain numbers become measured ``Number`` values for the ``Number`` fields)."""
    data = _defaults()
    unknown = set(overrides) - set(data)
    if unknown:
        raise TypeError(f"not RiskInputs fields: {sorted(unknown)}")
    for key, value in overrides.items():
        if isinstance(data[key], Number) and isinstance(value, int | float):
            value = measured(value)
        data[key] = value
    return RiskInputs.model_validate(data)


def make_build_info(inputs: RiskInputs, changed_paths: Sequence[str]) -> BuildInfo:
    """A minimal valid build-info.json matching ``inputs`` whose change touches
    ``changed_paths`` (each one modified, its lines split evenly)."""
    count = max(1, len(changed_paths))
    added = int(inputs.lines_added.value or 0)
    deleted = int(inputs.lines_deleted.value or 0)
    files = [
        ChangedFile(
            path=path,
            status="modified",
            added=added // count,
            deleted=deleted // count,
            binary=False,
            module=path.split("/", 1)[0] if "/" in path else ".",
        )
        for path in changed_paths
    ]
    metrics = ChangeMetrics.model_validate(
        {k: (v.value or 0) for k, v in inputs.change_metrics.items() if k in METRICS}
        | {"fix": bool(inputs.change_metrics.get("fix", measured(0)).value)}
    )
    return BuildInfo(
        service=inputs.service,
        build_id=inputs.build_id,
        commit=inputs.commit,
        repo_url=inputs.repo,
        branch=inputs.branch,
        author=None,
        pr_id=None,
        kind=inputs.kind.value or "service",
        criticality=inputs.criticality.value or "normal",
        created=CREATED,
        platforms=[PlatformInfo(platform=p, build="built") for p in inputs.targets],
        sbom=None,
        scan=None,
        dependencies_baseline=True,
        modules=[],
        missing=[],
        changes=Changes(
            range=DiffRange(base="b" * 40, commit=inputs.commit, source="parent"),
            files=files,
            files_changed=len(files),
            lines_added=sum(f.added or 0 for f in files),
            lines_deleted=sum(f.deleted or 0 for f in files),
            metrics=metrics,
        ),
    )


def write_workdir(
    folder: Path,
    inputs: RiskInputs | None = None,
    *,
    with_build_info_paths: Sequence[str] | None = None,
) -> WorkDir:
    """Write ``inputs`` (default: ``make_risk_inputs()``) as ``folder``/risk-inputs.json and,
    when ``with_build_info_paths`` is given, a build-info.json beside it with those changed
    paths. ``folder`` is the work folder itself (created when missing); note that cipipe's
    default history database and local store live beside it, in ``folder.parent``."""
    folder.mkdir(parents=True, exist_ok=True)
    work = WorkDir(folder)
    inputs = inputs if inputs is not None else make_risk_inputs()
    work.write(inputs)
    if with_build_info_paths is not None:
        work.write(make_build_info(inputs, with_build_info_paths))
    return work
