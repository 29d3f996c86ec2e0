"""Golden files for JSON outputs, as cyclonedx-python keeps them.

Regenerate with ``make snapshots`` (``CIPIPE_UPDATE_SNAPSHOTS=1``) and review the diff before
committing. An update run rewrites golden files only (``schemas/`` is written by
``cipipe schema --write schemas``), still checks what it can of the new text (it parses, and a
cipipe file or SARIF log matches its schema), and says which files it rewrote. CI refuses the
switch: a CI run that rewrites its golden files passes whatever it produced.

This module is also the pytest plugin (``pytest_plugins`` in tests/conftest.py) that refuses
the switch in CI before any test runs.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

SNAPSHOTS = Path(__file__).resolve().parent.parent / "_data" / "snapshots"
UPDATE_FLAG = "CIPIPE_UPDATE_SNAPSHOTS"
REFUSED_IN_CI = (
    f"{UPDATE_FLAG}=1 is refused in CI (CI=true or CIPIPE_REQUIRE_TOOLS=1): a CI run that "
    "rewrites its golden files passes whatever it produced; regenerate them locally "
    "(make snapshots) and commit the diff"
)


class SnapshotRewritten(UserWarning):
    """An update run rewrote a golden file: the diff is for a person to review."""


def updating() -> bool:
    return os.environ.get(UPDATE_FLAG) == "1"


def in_ci() -> bool:
    """CI=true (what CI services set), or CIPIPE_REQUIRE_TOOLS=1 (what .ci/run sets)."""
    ci = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
    return ci or os.environ.get("CIPIPE_REQUIRE_TOOLS", "").strip() == "1"


def pytest_configure(config: pytest.Config) -> None:
    if updating() and in_ci():
        raise pytest.UsageError(REFUSED_IN_CI)


def assert_snapshot(name: str, data: Any) -> None:
    """Compare a JSON value (after the test normalised what a clock or machine decides)."""
    assert_snapshot_text(
        name, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def assert_snapshot_text(name: str, text: str) -> None:
    """Compare the exact bytes cipipe wrote."""
    path = SNAPSHOTS / name
    if updating():
        check_regenerated(name, text)
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            warnings.warn(f"rewrote {path}; review the diff", SnapshotRewritten, stacklevel=2)
        return
    assert path.exists(), f"no snapshot {path}; create it with {UPDATE_FLAG}=1"
    expected = path.read_text()
    assert text == expected, f"{name} differs from its snapshot; regenerate with {UPDATE_FLAG}=1"


def check_regenerated(name: str, text: str) -> None:
    """What an update run can still assert of a new golden file: it parses as its suffix says,
    and a cipipe file (``"schema": "cipipe.<name>/<major>"``) or a SARIF log matches its
    schema. A golden file that does not pass is not written."""
    if name.endswith((".yaml", ".yml")):
        yaml.safe_load(text)
        return
    if not name.endswith(".json"):
        return
    data = json.loads(text)
    if not isinstance(data, dict):
        return
    if str(data.get("schema", "")).startswith("cipipe."):
        check_cipipe_schema(data)
    elif data.get("version") == "2.1.0" and "runs" in data:
        from tests.support.sarif import assert_valid_sarif

        assert_valid_sarif(data)


def check_cipipe_schema(data: dict[str, Any]) -> None:
    import jsonschema

    from cipipe.contracts.registry import json_schema

    name = str(data["schema"]).removeprefix("cipipe.").split("/")[0]
    errors = sorted(jsonschema.Draft202012Validator(json_schema(name)).iter_errors(data), key=str)
    assert not errors, f"the regenerated {data['schema']} file breaks its schema: {errors[0]}"
