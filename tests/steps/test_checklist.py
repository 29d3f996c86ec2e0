"""cipipe checklist on a published candidate in the local store: every Step-2 deliverable
ticked, and each missing or inconsistent one crossed with its reason (exit 1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.adapters.notifications.file import FileNotifier
from cipipe.adapters.notifications.interface import Message
from cipipe.contracts.gate import GateReport
from cipipe.contracts.notification import DeliveryRecord
from cipipe.contracts.scan import ScanReport, SeverityTally
from cipipe.contracts.testing import CoverageResult, PlatformTests, TestCounts, TestsReport
from cipipe.digests import digest_file
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs
from tests.steps.publish.conftest import PLATFORMS, make_workdir

Cli = Callable[..., CliResult]
CONFIG = """\
service: svc
supports: [linux, arm, windows]
platforms:
  linux:
    tests:
      coverage: {command: "gcovr --xml {report}"}
"""


def make_tests(work: Path, delta: float | None) -> TestsReport:
    platforms = []
    for platform in PLATFORMS:
        junit = f"reports/junit-{platform}.xml"
        (work / "reports").mkdir(exist_ok=True)
        (work / junit).write_text("<testsuites/>\n")
        coverage = None
        if platform == "linux":
            coverage = CoverageResult(
                format="cobertura",
                line_percent=80.0,
                branch_percent=None,
                lines_covered=8,
                lines_valid=10,
                branches_covered=0,
                branches_valid=0,
                report="reports/coverage-linux.xml",
                baseline="main" if delta is not None else None,
                line_delta=delta,
                branch_delta=None,
            )
        platforms.append(
            PlatformTests(
                platform=platform,
                runner="native",
                status="ran",
                counts=TestCounts(total=3, passed=3),
                junit=junit,
                coverage=coverage,
            )
        )
    return TestsReport(commit="c" * 40, platforms=platforms, critical_failures=[], outcome="passed")


def gate(verdict: str = "passed") -> GateReport:
    return GateReport.model_validate(
        {
            "service": "svc",
            "build_id": "7",
            "commit": "c" * 40,
            "verdict": verdict,
            "summary": f"{verdict}: test",
            "gates": [],
            "junit": "reports/junit-gates.xml",
        }
    )


def notified(work: Path, ok: bool = True) -> None:
    message = Message(key="svc/7", title="svc build 7", text="t", markdown="t")
    delivery = (
        None
        if ok
        else DeliveryRecord(channel="slack-bot", ok=False, target="#c", error="invalid_auth")
    )
    FileNotifier(work, console=False).append(message, delivery)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / ".cipipe.yaml").write_text(CONFIG)
    return folder


def prepare(
    cli: Cli, tmp_path: Path, *, publish_scan: bool = True, delta: float | None = 0.5
) -> WorkDir:
    work = tmp_path / "work"
    workdir = make_workdir(work)
    workdir.write(make_risk_inputs())
    (work / "sbom.json").write_text('{"bomFormat": "CycloneDX"}\n')
    if publish_scan:
        workdir.write(
            ScanReport(
                components=1,
                advisories=0,
                sources=[],
                findings=[],
                counts=SeverityTally(),
                blocking=[],
                outcome="passed",
            )
        )
    workdir.write(make_tests(work, delta))
    assert cli("--workdir", work, "publish").exit_code == 0
    workdir.write(gate())
    notified(work)
    return workdir


def checklist(cli: Cli, work: WorkDir, repo: Path) -> CliResult:
    return cli("--workdir", work.path, "checklist", "--repo", repo)


def test_everything_present(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path)
    result = checklist(cli, work, repo)
    assert result.exit_code == 0, result.stdout
    assert "✗" not in result.stdout and "ready for Step 3" in result.stdout
    assert "3 artifact(s) for arm, linux, windows" in result.stdout
    assert "coverage delta (advisory): linux +0.50 points" in result.stdout


def test_no_coverage_baseline_is_advisory(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path, delta=None)
    result = checklist(cli, work, repo)
    assert result.exit_code == 0
    assert "! coverage delta (advisory): no baseline for linux" in result.stdout


def test_not_published(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = WorkDir(tmp_path / "work")
    make_workdir(work.path)
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "✗ published candidate: publish.json not found" in result.stdout


def test_a_rejected_candidate_is_not_ready(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path)
    store = LocalFolderStore(tmp_path / "cipipe-store")
    store.set_properties("svc/7/arm/svc-arm-abc-7", {"state": "rejected"})
    work.write(gate("rejected"))
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "svc/7/arm/svc-arm-abc-7 is in state rejected, not candidate" in result.stdout
    assert "✗ gate verdict: rejected: test" in result.stdout
    assert "not ready for Step 3: per-platform artifacts" in result.stdout


def test_a_changed_blob_is_caught(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path)
    report = (work.path / "publish.json").read_text()
    first_sha = report.split('"sha256": "')[1][:64]
    (work.path / "publish.json").write_text(report.replace(first_sha, "0" * 64, 1))
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "was not published as built" in result.stdout


def test_missing_scan_and_notification(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path, publish_scan=False)
    (work.path / "notification.json").unlink()
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "✗ SBOM and security scan: scan.json was not published" in result.stdout
    assert "✗ notification sent: notification.json not found" in result.stdout


def test_a_failed_delivery_is_not_a_notification(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path)
    (work.path / "notification.json").unlink()
    notified(work.path, ok=False)
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "every message about svc/7 failed: invalid_auth" in result.stdout


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"cipipe.complete": ""},
            "no completion marker (cipipe.complete on svc/7/build-info.json)",
        ),
        ({"cipipe.complete": "0" * 64}, "are not the file set it names"),
    ],
)
def test_a_publish_that_did_not_finish_is_not_ready(
    cli: Cli, tmp_path: Path, repo: Path, change: dict[str, str], reason: str
) -> None:
    """Every file is state=candidate, as a publish stopped just before its last request leaves
    them, but the marker is missing or names other files."""
    work = prepare(cli, tmp_path)
    store = LocalFolderStore(tmp_path / "cipipe-store")
    store.set_properties("svc/7/build-info.json", change)
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "✓ per-platform artifacts" in result.stdout  # each file alone looks fine
    assert "✗ complete candidate (completion marker): svc/7 in file://" in result.stdout
    assert reason in result.stdout
    assert "not ready for Step 3: complete candidate (completion marker)" in result.stdout


def test_a_complete_candidate_is_ticked(cli: Cli, tmp_path: Path, repo: Path) -> None:
    work = prepare(cli, tmp_path)
    result = checklist(cli, work, repo)
    files = len(json.loads((work.path / "publish.json").read_text())["files"])
    assert (
        f"✓ complete candidate (completion marker): {files} file(s), as the marker on "
        "svc/7/build-info.json names" in result.stdout
    )


def test_a_sha256sums_naming_the_work_folders_paths_is_caught(
    cli: Cli, tmp_path: Path, repo: Path
) -> None:
    """As an older cipipe published it: the work folder's SHA256SUMS (artifacts/<platform>/...),
    which sha256sum -c cannot check in the candidate's folder."""
    work = prepare(cli, tmp_path)
    old = work.path / "SHA256SUMS"
    store = LocalFolderStore(tmp_path / "cipipe-store")
    d = digest_file(old)
    store.upload(LocalFile(old, d.size, d.sha256, d.sha1, d.md5), "svc/7/SHA256SUMS", {})
    store.set_properties("svc/7/SHA256SUMS", {"state": "candidate"})
    report = json.loads((work.path / "publish.json").read_text())
    for file in report["files"]:
        if file["path"] == "svc/7/SHA256SUMS":
            file["sha256"], file["size"] = d.sha256, d.size
    (work.path / "publish.json").write_text(json.dumps(report))
    result = checklist(cli, work, repo)
    assert result.exit_code == 1
    assert "SHA256SUMS does not name the artifacts as the candidate's folder holds them" in (
        result.stdout
    )
