"""The build gate: planned platforms (matrix.json) against their outcomes (artifacts.json), one
row per combination of failed, skipped, missing and optional platforms."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cipipe.contracts.artifacts import Artifacts, PlatformBuild
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.repo_config import RepoConfig, load_repo_config
from cipipe.errors import InputError
from cipipe.steps.gate.evaluate import GateInputs, evaluate, verdict
from tests.steps.gate.builds import FAILED, PLANNED, WINDOWS_FAILED, built, matrix, outcomes

SKIPPED = "aarch64-linux-gnu-g++ is not installed (apt-get install g++-aarch64-linux-gnu)"


ALL_BUILT = outcomes(built("linux"), built("arm"), built("windows"))
ARM_SKIPPED = PlatformBuild(platform="arm", status="skipped", reason=SKIPPED)


@dataclass
class Row:
    name: str
    verdict: str
    status: str
    says: tuple[str, ...] = ()  # in the gate's reason
    artifacts: Artifacts | None = field(default_factory=lambda: ALL_BUILT)
    matrix: Matrix | None = field(default_factory=matrix)
    config: dict[str, Any] = field(default_factory=dict)


ROWS = [
    Row("every platform built", "passed", "passed", ("built: linux, arm, windows",)),
    Row(
        "a failed platform",
        "rejected",
        "failed",
        (f"windows failed: {FAILED}",),
        outcomes(built("linux"), built("arm"), WINDOWS_FAILED),
    ),
    Row(
        "a skipped platform (toolchain missing)",
        "rejected",
        "failed",
        (f"arm skipped: {SKIPPED}",),
        outcomes(built("linux"), ARM_SKIPPED, built("windows")),
    ),
    Row(
        "a missing platform (no record)",
        "rejected",
        "failed",
        ("windows missing: no record in artifacts.json",),
        outcomes(built("linux"), built("arm")),
    ),
    Row(
        "a failed optional platform",
        "needs-attention",
        "warning",
        ("built: linux, arm", f"optional, not built: windows failed: {FAILED}"),
        outcomes(built("linux"), built("arm"), WINDOWS_FAILED),
        config={"build": {"optional_platforms": ["windows"]}},
    ),
    Row(
        "a missing optional platform",
        "needs-attention",
        "warning",
        ("optional, not built: windows missing",),
        outcomes(built("linux"), built("arm")),
        config={"build": {"optional_platforms": ["windows"]}},
    ),
    Row(
        "an optional platform that built",
        "passed",
        "passed",
        ("built: linux, arm, windows",),
        config={"build": {"optional_platforms": ["windows"]}},
    ),
    Row(
        "a failed optional platform and a skipped mandatory one",
        "rejected",
        "failed",
        (f"arm skipped: {SKIPPED}",),
        outcomes(built("linux"), ARM_SKIPPED, WINDOWS_FAILED),
        config={"build": {"optional_platforms": ["windows"]}},
    ),
    Row(
        "failed, skipped and missing together: each named",
        "rejected",
        "failed",
        (f"arm skipped: {SKIPPED}; windows failed: {FAILED}", "linux missing"),
        outcomes(ARM_SKIPPED, WINDOWS_FAILED),
    ),
    Row(
        "every platform optional and none built",
        "needs-attention",
        "warning",
        ("built: no platform",),
        outcomes(),
        config={"build": {"optional_platforms": list(PLANNED)}},
    ),
    Row(
        "a platform built that was not planned does not stand in for one that was",
        "rejected",
        "failed",
        ("windows missing",),
        outcomes(built("linux"), built("arm"), built("macos")),
    ),
    Row(
        "no artifacts.json",
        "rejected",
        "missing",
        ("artifacts.json not found",),
        artifacts=None,
    ),
    Row("no matrix.json", "rejected", "missing", ("matrix.json not found",), matrix=None),
    Row(
        "artifacts.json of another commit",
        "rejected",
        "missing",
        ("artifacts.json is of commit cccccccccccc",),
        outcomes(built("linux"), built("arm"), built("windows"), commit="c" * 40),
    ),
    Row(
        "the build gate made advisory by the policy",
        "needs-attention",
        "warning",
        (f"windows failed: {FAILED}",),
        outcomes(built("linux"), built("arm"), WINDOWS_FAILED),
        config={"gate": {"mandatory": ["unit-tests"]}},
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_build_gate(row: Row) -> None:
    config = RepoConfig.model_validate({"service": "svc", "supports": list(PLANNED), **row.config})
    gates = evaluate(
        GateInputs(
            config=config,
            precheck=None,
            tests=None,
            scan=None,
            artifacts=row.artifacts,
            matrix=row.matrix,
        )
    )
    assert gates[0].name == "build"
    gate = gates[0]
    assert gate.mandatory == ("build" in config.gate.mandatory)
    assert gate.status == row.status, gate.reason
    for text in row.says:
        assert text in gate.reason
    # The build gate's own verdict: the other gates are judged by their own tables.
    assert verdict([gate])[0] == row.verdict


def test_the_build_gate_is_first_and_mandatory_by_default() -> None:
    config = RepoConfig.model_validate({"service": "svc", "supports": ["linux"]})
    assert config.gate.mandatory[0] == "build"
    assert config.build.optional_platforms == []


def test_an_optional_platform_must_be_supported(tmp_path: Path) -> None:
    path = tmp_path / ".cipipe.yaml"
    path.write_text(
        "service: svc\nsupports: [linux, arm]\nbuild:\n  optional_platforms: [arm, windwos]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_repo_config(path)
    message = str(caught.value)
    assert "build.optional_platforms[1]" in message
    assert "windwos" in message and "linux, arm" in message
    path.write_text(
        "service: svc\nsupports: [linux, arm]\nbuild:\n  optional_platforms: [arm]\n",
        encoding="utf-8",
    )
    assert load_repo_config(path).build.optional_platforms == ["arm"]
