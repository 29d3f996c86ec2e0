"""decide-strategy reads and validates every input before it writes a file or an audit record:
a broken publish.json, a FIFO or a bomb in place of an input, a count that could lower the
risk: each is exit 2 naming the file, with nothing decided, written or audited."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.publish import PublishedFile, PublishReport
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.risk.decide import decide
from cipipe.risk.policy.bundle import load_policy_bundle
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs, measured, write_workdir
from tests.steps.decide_strategy.conftest import POLICIES, Decide
from tests.support.hangs import BILLION_LAUGHS, STEP_HANG_SECONDS, no_hang, unblocking

Cli = Callable[..., CliResult]


def publish_report() -> PublishReport:
    return PublishReport(
        store="file:///nowhere",
        service="svc",
        build_id="7",
        state="candidate",
        files=[
            PublishedFile(
                path="svc/7/linux/svc-linux-7",
                url="file:///nowhere/svc/7/linux/svc-linux-7",
                platform="linux",
                sha256="0" * 64,
                size=10,
                bytes_sent=10,
                skipped_by_checksum=False,
                attempts=1,
            )
        ],
        bytes_sent=10,
        files_skipped=0,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return write_workdir(tmp_path / "work", with_build_info_paths=["src/main.c"]).path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry of the folder and, for regular files, their bytes."""
    return {
        p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else None
        for p in folder.iterdir()
    }


def audited(cli: Cli, work: Path, db: Path) -> str:
    result = cli("--workdir", work, "audit", "verify", "--db", db)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # the summary, after one line per chain


def _edit_risk_inputs(work: Path, change: Callable[[dict[str, object]], None]) -> None:
    path = work / RiskInputs.FILE_NAME
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _set(field: str, value: object) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        number = data[field]
        assert isinstance(number, dict)
        number["value"] = value

    return change


# Each case breaks one input in the work folder (or the context beside it) and names what the
# one-line error must contain.
def _publish_not_json(work: Path, context: Path) -> list[str]:
    (work / PublishReport.FILE_NAME).write_text('{"schema": "cipipe.publish/1", ')
    return [str(work / PublishReport.FILE_NAME), "invalid JSON"]


def _publish_wrong_type(work: Path, context: Path) -> list[str]:
    data = json.loads(publish_report().to_json())
    data["files"][0]["size"] = -10
    (work / PublishReport.FILE_NAME).write_text(json.dumps(data))
    return [str(work / PublishReport.FILE_NAME), "files[0].size"]


def _publish_is_a_folder(work: Path, context: Path) -> list[str]:
    (work / PublishReport.FILE_NAME).mkdir()
    return [str(work / PublishReport.FILE_NAME), "is a folder"]


def _publish_is_a_fifo(work: Path, context: Path) -> list[str]:
    os.mkfifo(work / PublishReport.FILE_NAME)
    return [str(work / PublishReport.FILE_NAME), "FIFO"]


def _build_info_is_a_fifo(work: Path, context: Path) -> list[str]:
    (work / "build-info.json").unlink()
    os.mkfifo(work / "build-info.json")
    return [str(work / "build-info.json"), "FIFO"]


def _negative_failed_tests(work: Path, context: Path) -> list[str]:
    _edit_risk_inputs(work, _set("unit_tests_failed", -5))
    return [str(work / RiskInputs.FILE_NAME), "unit_tests_failed", "a count"]


def _nan_failed_tests(work: Path, context: Path) -> list[str]:
    _edit_risk_inputs(work, _set("unit_tests_failed", "NAN-HERE"))
    path = work / RiskInputs.FILE_NAME
    path.write_text(path.read_text().replace('"NAN-HERE"', "NaN"))
    return [str(path), "unit_tests_failed.value", "NaN"]


def _huge_lines_added(work: Path, context: Path) -> list[str]:
    _edit_risk_inputs(work, _set("lines_added", 1e308))
    return [str(work / RiskInputs.FILE_NAME), "lines_added"]


def _failure_rate_above_one(work: Path, context: Path) -> list[str]:
    _edit_risk_inputs(work, _set("module_failure_rate", 1.5))
    return [str(work / RiskInputs.FILE_NAME), "module_failure_rate", "a rate (0 to 1)"]


def _coverage_delta_beyond_100(work: Path, context: Path) -> list[str]:
    _edit_risk_inputs(work, _set("coverage_delta", -250))
    return [str(work / RiskInputs.FILE_NAME), "coverage_delta"]


def _context_bomb(work: Path, context: Path) -> list[str]:
    context.write_text(BILLION_LAUGHS.replace("a: &a", "labels: &a"))
    return [str(context), "aliases expand"]


def _context_fifo(work: Path, context: Path) -> list[str]:
    context.unlink()
    os.mkfifo(context)
    return [str(context), "FIFO"]


def _context_infinite_qps(work: Path, context: Path) -> list[str]:
    context.write_text("production_qps: .inf\n")
    return [str(context), "production_qps"]


CASES: dict[str, Callable[[Path, Path], list[str]]] = {
    "publish.json not JSON": _publish_not_json,
    "publish.json negative size": _publish_wrong_type,
    "publish.json a folder": _publish_is_a_folder,
    "publish.json a FIFO": _publish_is_a_fifo,
    "build-info.json a FIFO": _build_info_is_a_fifo,
    "negative failed tests": _negative_failed_tests,
    "NaN failed tests": _nan_failed_tests,
    "1e308 lines added": _huge_lines_added,
    "failure rate 1.5": _failure_rate_above_one,
    "coverage delta -250": _coverage_delta_beyond_100,
    "context.yaml alias bomb": _context_bomb,
    "context.yaml a FIFO": _context_fifo,
    "context.yaml infinite qps": _context_infinite_qps,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_before_anything_is_written(
    cli: Cli,
    decide: Decide,
    work: Path,
    context_file: Path,
    history_db: Path,
    case: str,
) -> None:
    needles = CASES[case](work, context_file)
    before = snapshot(work)
    fifos = [p for p in [*work.iterdir(), context_file] if p.is_fifo()]
    with no_hang(STEP_HANG_SECONDS), unblocking(fifos[0]) if fifos else nullcontext():
        result = decide(work)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("cipipe: error: ") and "Traceback" not in line
    for needle in needles:
        assert needle in line, (needle, line)
    assert snapshot(work) == before
    assert (
        audited(cli, work, history_db)
        == "audit log intact: 0 decisions, 0 outcomes, 0 model approvals"
    )


def test_a_valid_publish_json_is_read_before_deciding(
    decide: Decide, work: Path, tmp_path: Path
) -> None:
    (work / PublishReport.FILE_NAME).write_text(publish_report().to_json())
    store = tmp_path / "store"
    result = decide(work, "--target", f"file://{store}")
    # publish.json was read and accepted: the build it names is looked up in the store, which
    # does not hold it complete, so no decision is made (exit 1) and nothing is written.
    assert result.exit_code == 1, result.stderr
    assert "svc/7" in result.stderr and "not a complete candidate" in result.stderr
    assert not (work / "risk-decision.json").exists()


# -- the contract refuses what would lower the risk ------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["unit_tests_failed", "test_errors", "integration_failed", "files_changed", "lines_added"],
)
def test_a_negative_count_is_refused_by_the_contract(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_risk_inputs(**{field: -1})
    assert caught.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize(("value", "ok"), [(0.0, True), (1.0, True), (-0.01, False), (1.01, False)])
def test_a_failure_rate_is_a_fraction(value: float, ok: bool) -> None:
    if ok:
        assert make_risk_inputs(module_failure_rate=value).module_failure_rate.value == value
    else:
        with pytest.raises(ValidationError):
            make_risk_inputs(module_failure_rate=value)


def test_a_missing_count_is_still_allowed() -> None:
    inputs = make_risk_inputs(unit_tests_failed=measured(None))
    assert inputs.unit_tests_failed.value is None


BUNDLE = load_policy_bundle(POLICIES)
NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def score_with_failed_tests(count: int) -> float:
    decided = decide(
        make_risk_inputs(unit_tests_failed=count),
        "sha256:" + "0" * 64,
        DecisionContext(),
        BUNDLE,
        policy_source=str(POLICIES),
        changed_paths=["src/main.c"],
        mode_flag=None,
        now=NOW,
        decided_by="test",
    )
    return decided.decision.score_before_clamp


@settings(max_examples=30, deadline=None)
@given(failed=st.integers(min_value=0, max_value=100_000))
def test_failed_tests_never_lower_the_score(failed: int) -> None:
    assert score_with_failed_tests(failed) >= score_with_failed_tests(0)
