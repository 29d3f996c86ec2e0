"""The policy bundle: the shipped defaults, its version id, and every way it can be broken."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cipipe.cli.commands.policy import command
from cipipe.errors import InputError
from cipipe.risk.policy.bundle import (
    MAPPING_FILE,
    METADATA_FILE,
    THRESHOLDS_FILE,
    WEIGHTS_FILE,
    PolicyBundle,
    load_policy_bundle,
)
from tests.support.gitrepo import GitRepoBuilder
from tests.support.policyserver import SHIPPED

YAML_FILES = (WEIGHTS_FILE, MAPPING_FILE, THRESHOLDS_FILE)
Edit = Callable[[dict[str, Any]], None]


def edit(folder: Path, name: str, change: Edit) -> Path:
    path = folder / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    return path


def expect_error(folder: Path, file: Path, field: str, words: str = "") -> InputError:
    with pytest.raises(InputError) as info:
        load_policy_bundle(folder)
    error = info.value
    assert error.file == str(file), str(error)
    assert error.field == field, str(error)
    assert words.lower() in str(error).lower()
    assert "\n" not in str(error)
    return error


def test_shipped_bundle_has_the_seed_values() -> None:
    bundle = load_policy_bundle(SHIPPED)
    w = bundle.weights.weights
    assert (w.integration_failure, w.critical_vulnerability, w.hardware_penalty) == (10, 50, 15)
    assert w.coverage_per_point < 0
    factors = bundle.weights.criticality_factors
    assert (factors.normal, factors.high, factors.critical) == (1.0, 1.5, 1.5)
    assert (bundle.weights.clamp.min, bundle.weights.clamp.max) == (0, 100)
    m = bundle.mapping
    assert [(b.strategy, b.min, b.max) for b in m.buckets] == [
        ("rolling", 0, 30),
        ("canary", 31, 70),
        ("blue-green", 71, 100),
    ]
    assert (m.pace.rolling.min_batch_percent, m.pace.rolling.max_batch_percent) == (50, 100)
    assert m.pace.canary.weights == [10, 25, 50, 100]
    assert m.pace.canary.windows == [120, 300, 600, 900]
    assert (m.pace.blue_green.healthy_windows, m.pace.blue_green.window) == (3, 120)
    assert m.manual_approval_at == 85
    o = m.overrides
    assert o.critical_vulnerability.strategy == "blue-green"
    assert o.db_schema_change.strategy == o.kernel_driver_change.strategy == "blue-green"
    assert o.db_schema_change.manual_approval and o.kernel_driver_change.manual_approval
    assert o.db_schema_change.paths + o.kernel_driver_change.paths == [
        "migrations/**",
        "**/*.sql",
        "kernel/**",
        "drivers/**",
    ]
    assert o.kernel_driver_change.repo_kinds == ["firmware", "driver"]
    assert o.hotfix.canary.weights[0] == 5 and o.hotfix.branches == ["hotfix/*"]
    assert "hotfix" in o.hotfix.labels
    assert m.platform_adjustments.firmware_arm.score_shift == 10
    assert m.platform_adjustments.windows_driver.new_signing_penalty == 10
    t = bundle.thresholds
    assert (t.watch.window, t.watch.healthy_windows) == (120, 3)
    assert t.enforcement.default_mode == "shadow"
    assert t.enforcement.max_false_positive_rate == 0.10
    assert t.services["payments"].score_shift > 0
    assert "SRE" in bundle.metadata and "Security" in bundle.metadata
    assert bundle.version_id.startswith("sha256:") and len(bundle.version_id) == 7 + 64


def test_check_command_prints_the_version(bundle_dir: Path) -> None:
    result = CliRunner().invoke(command, ["check", str(bundle_dir)])
    assert result.exit_code == 0, result.output
    version = load_policy_bundle(bundle_dir).version_id
    assert result.output == f"{bundle_dir}: valid, version {version}\n"


def test_check_command_raises_input_error_for_a_bad_bundle(bundle_dir: Path) -> None:
    (bundle_dir / METADATA_FILE).unlink()
    result = CliRunner().invoke(command, ["check", str(bundle_dir)])
    assert isinstance(result.exception, InputError)
    assert METADATA_FILE in str(result.exception)


def test_version_is_stable_under_reformatting(bundle_dir: Path) -> None:
    before = load_policy_bundle(bundle_dir).version_id
    for name in YAML_FILES:
        path = bundle_dir / name
        data = yaml.safe_load(path.read_text())
        # No comments, flow style, reversed key order: the same policy.
        reordered = dict(reversed(list(data.items())))
        path.write_text(yaml.safe_dump(reordered, default_flow_style=True, sort_keys=False))
    assert load_policy_bundle(bundle_dir).version_id == before


def test_version_changes_with_a_value_or_the_metadata(bundle_dir: Path) -> None:
    before = load_policy_bundle(bundle_dir).version_id
    edit(bundle_dir, MAPPING_FILE, lambda d: d.update(manual_approval_at=80))
    changed = load_policy_bundle(bundle_dir).version_id
    assert changed != before
    with (bundle_dir / METADATA_FILE).open("a") as handle:
        handle.write("- 1.1: lower manual approval threshold\n")
    assert load_policy_bundle(bundle_dir).version_id not in (before, changed)


def test_git_commit_is_recorded_inside_a_repository(tmp_path: Path) -> None:
    repo = GitRepoBuilder(tmp_path / "infra")
    shutil.copytree(SHIPPED, repo.root / "deploy-strategy")
    policy_commit = repo.commit("policy 1.0")
    repo.commit("unrelated", {"README.md": "infra\n"})
    bundle: PolicyBundle = load_policy_bundle(repo.root / "deploy-strategy")
    assert bundle.git_commit == policy_commit


def test_git_commit_is_none_outside_a_repository(bundle_dir: Path) -> None:
    assert load_policy_bundle(bundle_dir).git_commit is None


def _set(path: str, value: Any) -> Edit:
    """'pace.canary.windows.1' -> data['pace']['canary']['windows'][1] = value."""
    parts: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value

    return change


_DB, _FREEZE = "overrides.db_schema_change", "calendar.change_freeze.dates"
_ENFORCE = "enforcement.enforce_services"
M, W, T = MAPPING_FILE, WEIGHTS_FILE, THRESHOLDS_FILE
# (file, location, new value, field the error names (None: the location), words it contains)
BROKEN: list[tuple[str, str, Any, str | None, str]] = [
    (M, "buckets.1.min", 35, "buckets", "gap before bucket 1 (canary"),
    (M, "buckets.1.min", 25, "buckets", "bucket 1 (canary 25-70) overlaps"),
    (M, "buckets.2.max", 90, "buckets", "scores 91-100 unmapped"),
    (M, "buckets.0.min", 5, "buckets", "scores 0-4 unmapped"),
    (M, "buckets.0.strategy", "yolo", None, "yolo"),
    (M, "pace.canary.windows.1", "-5m", None, "negative"),
    (M, "pace.blue-green.window", "2 minutes", None, "malformed"),
    (M, "pace.canary.weights", [10, 50, 25, 100], "pace.canary", "increase"),
    (M, "pace.canary.windows", ["2m"], "pace.canary", "one window per step"),
    (M, "pace.canary.weights", [10, 25, 50, 90], "pace.canary", "last weight"),
    (M, "pace.rolling.min_batch_percent", 0, None, "1"),
    (M, "overrides.hotfix.canary.weights.0", 20, None, "below"),
    (M, "overrides.db_schema_change.repo_kinds", ["mainframe"], f"{_DB}.repo_kinds[0]", "driver"),
    (M, "manual_approval_at", 101, None, "100"),
    (M, "buckets.0.max", True, None, "integer"),
    (W, "weights.failed_unit_test", 500, None, "100"),
    (W, "weights.coverage_per_point", 1, None, "0"),
    (W, "criticality_factors.high", 9, None, "5"),
    (W, "criticality_factors.normal", 0, None, "0.1"),
    (W, "weights.loc_per_100_lines", "lots", None, "number"),
    (W, "weights.w_magic", 1, None, "unknown field"),
    (W, "clamp.min", 100, "clamp", "below max"),
    (T, "watch.window", "0s", None, "longer than zero"),
    (T, "watch.window", 120, None, "duration string"),
    (T, "watch.healthy_windows", -3, None, "1"),
    (T, "enforcement.max_false_positive_rate", 1.5, None, "1"),
    (T, "calendar.peak_business.weekly.0.end", 1080, None, "str"),
    (T, "calendar.maintenance.weekly.0.start", "25:00", None, "HH:MM"),
    (T, "calendar.change_freeze.dates.0.end", "2026-01-01", f"{_FREEZE}[0]", "before start"),
    (T, "calendar.timezone", "Mars/Olympus", None, "time zone"),
    (T, "services.Payments!", {}, "services.Payments!.[key]", "service name"),
    # re.match with $ let a trailing newline through; cipipe.identifiers does not.
    (T, "enforcement.enforce_services", ["payments\n"], f"{_ENFORCE}[0]", "service name"),
    (T, "services.payments.typo", 1, None, "unknown"),
]


@pytest.mark.parametrize(("name", "location", "value", "field", "words"), BROKEN)
def test_each_broken_value_names_the_file_and_key(
    bundle_dir: Path, name: str, location: str, value: Any, field: str | None, words: str
) -> None:
    path = edit(bundle_dir, name, _set(location, value))
    expect_error(bundle_dir, path, field or re.sub(r"\.(\d+)", r"[\1]", location), words)


@pytest.mark.parametrize("name", [*YAML_FILES, METADATA_FILE])
def test_a_missing_file_is_named(bundle_dir: Path, name: str) -> None:
    (bundle_dir / name).unlink()
    with pytest.raises(InputError, match="file not found") as info:
        load_policy_bundle(bundle_dir)
    assert info.value.file == str(bundle_dir / name)


def test_duplicate_keys_and_empty_metadata_are_errors(bundle_dir: Path) -> None:
    path = bundle_dir / WEIGHTS_FILE
    path.write_text(path.read_text() + "clamp: {min: 0, max: 100}\n")
    with pytest.raises(InputError, match="duplicate key 'clamp'"):
        load_policy_bundle(bundle_dir)
    shutil.copy(SHIPPED / WEIGHTS_FILE, path)
    (bundle_dir / METADATA_FILE).write_text("  \n")
    with pytest.raises(InputError, match="is empty"):
        load_policy_bundle(bundle_dir)


def _locations(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locations(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _locations(value, (*prefix, index))
    return found


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return "not-a-number"
    if isinstance(value, list):
        return "not-a-list"
    if isinstance(value, dict):
        return ["not", "an", "object"]
    return [1]


VALID = {name: yaml.safe_load((SHIPPED / name).read_text()) for name in YAML_FILES}


@st.composite
def broken_bundles(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """One YAML file of the valid bundle with one thing broken."""
    name = draw(st.sampled_from(YAML_FILES))
    document = yaml.safe_load(yaml.safe_dump(VALID[name]))
    path = draw(st.sampled_from([p for p in _locations(document) if p]))
    parent: Any = document
    for part in path[:-1]:
        parent = parent[part]
    value = parent[path[-1]]
    how = draw(st.sampled_from(["unknown", "type", "range"]))
    if how == "unknown" and isinstance(value, dict):
        value["zz_unknown"] = 1
    elif how == "range" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[path[-1]] = draw(st.sampled_from([10**9, -(10**9)]))
    else:
        parent[path[-1]] = _wrong_type(value)
    return name, document


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=broken_bundles())
def test_any_broken_bundle_is_an_input_error_naming_the_file(
    bundle_dir: Path, case: tuple[str, dict[str, Any]]
) -> None:
    name, document = case
    path = bundle_dir / name
    path.write_text(yaml.safe_dump(document))
    try:
        with pytest.raises(InputError) as info:
            load_policy_bundle(bundle_dir)
        assert info.value.file == str(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    finally:
        shutil.copy(SHIPPED / name, path)


def test_cli_policy_check(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    ok = subprocess.run(
        [sys.executable, "-m", "cipipe", "policy", "check", str(REPO_ROOT / "policies")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and "valid, version sha256:" in ok.stdout
    broken = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", broken)
    weights = broken / "risk-weights.yaml"
    weights.write_text(weights.read_text() + "surprise: 1\n")
    bad = subprocess.run(
        [sys.executable, "-m", "cipipe", "policy", "check", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    [line] = bad.stderr.strip().splitlines()
    assert "risk-weights.yaml" in line and "surprise" in line
