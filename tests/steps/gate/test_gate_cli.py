"""`cipipe gate` end to end: real reports in a work folder, the verdict in gate.json and JUnit
XML, state=rejected on the published candidate (local folder store and a loopback Artifactory),
and the PR comment and commit status on a loopback GitHub; an outage of GitHub never changes
the verdict."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.artifacts import PlatformBuild
from cipipe.contracts.gate import GateReport
from cipipe.contracts.loading import read_contract
from cipipe.contracts.scan import ScanReport
from cipipe.steps.gate.feedback import COMMENT_MARKER, STATUS_CONTEXT
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.steps.decide_strategy.candidates import published
from tests.steps.gate.builds import outcomes
from tests.steps.gate.reports import COMMIT, write_reports
from tests.support.artifactoryserver import FakeArtifactory
from tests.support.artifactoryserver import serve as serve_artifactory
from tests.support.githubserver import FakeGitHub
from tests.support.githubserver import serve as serve_github
from tests.support.outside import clear_outside_config
from tests.support.surefire import assert_surefire_valid

Cli = Callable[..., CliResult]
GATES = (
    "build",
    "unit-tests",
    "integration-smoke",
    "static-analysis",
    "formatting",
    "security",
    "coverage",
    "reproducibility",
    "warnings",
    "flaky-tests",
)
ARTIFACTORY_TOKEN = "gate-token-0123456789"
PR_REPO = "acme/svc"
PR_URL = "https://github.example/acme/svc/pull/12"
BUILD_URL = "http://jenkins.invalid/job/svc/7/"


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The machine's GitHub, store and Slack must not leak into a test.
    clear_outside_config(monkeypatch)


def run_gate(cli: Cli, work: Path, repo: Path, *args: str) -> tuple[CliResult, GateReport]:
    result = cli("--workdir", work, "gate", "--repo", repo, *args)
    return result, read_contract(GateReport, work / GateReport.FILE_NAME)


def junit_cases(work: Path, report: GateReport) -> dict[str, ET.Element]:
    assert_surefire_valid(work / report.junit)
    root = ET.parse(work / report.junit).getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == list(GATES)
    return {str(c.get("name")): c for c in cases}


def test_passed(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work)
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 0, result.stderr
    assert report.verdict == "passed", report.summary
    assert report.service == "svc" and report.commit == COMMIT
    assert [g.name for g in report.gates] == list(GATES)
    assert report.feedback == []
    cases = junit_cases(work, report)
    assert all(c.find("failure") is None and c.find("error") is None for c in cases.values())
    assert report.junit == "reports/junit-gates.xml"


def test_a_failed_platform_rejects_the_build_naming_it(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work)
    failed = PlatformBuild(
        platform="linux", status="failed", reason="`cmake --build build/linux` exited 2"
    )
    WorkDir(work).write(outcomes(failed, commit=COMMIT))
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 1
    assert report.verdict == "rejected" and report.summary == "rejected: build (failed)"
    build = report.gates[0]
    assert (build.name, build.status, build.mandatory) == ("build", "failed", True)
    assert build.reason == "linux failed: `cmake --build build/linux` exited 2"
    failure = junit_cases(work, report)["build"].find("failure")
    assert failure is not None


def test_a_missing_report_fails_closed(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work, with_tests=False)
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 1, result.stderr
    assert report.verdict == "rejected"
    statuses = {g.name: g.status for g in report.gates}
    assert statuses["unit-tests"] == "missing"
    assert "unit-tests" in report.summary
    failure = junit_cases(work, report)["unit-tests"].find("failure")
    assert failure is not None and "tests.json" in (failure.get("message") or "")


def check_rejected_for_security(work: Path, result: CliResult, report: GateReport) -> None:
    assert result.exit_code == 1, result.stderr
    assert report.verdict == "rejected"
    assert "security" in report.summary
    assert {g.name: g.status for g in report.gates}["security"] == "failed"
    failure = junit_cases(work, report)["security"].find("failure")
    assert failure is not None and "CVE-2024-0001" in (failure.get("message") or "")


def test_rejected_without_a_candidate(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo)
    check_rejected_for_security(work, result, report)
    assert report.feedback == []  # nothing published, no GitHub: nobody else to tell


def test_rejected_marks_the_candidate_in_the_local_store(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    candidate = published(cli, work)  # the default folder store, beside the work folder
    store = LocalFolderStore(tmp_path / "cipipe-store")
    assert all(_state(store, f.path) == ("candidate",) for f in candidate.files)
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo)
    check_rejected_for_security(work, result, report)
    assert len(candidate.files) >= 4
    for file in candidate.files:
        assert _state(store, file.path) == ("rejected",), file.path
    (feedback,) = report.feedback
    assert feedback.ok and feedback.error is None
    assert feedback.action == f"state=rejected on {len(candidate.files)} file(s)"


def _state(store: LocalFolderStore, path: str) -> tuple[str, ...] | None:
    stored = store.stat(path)
    return tuple(stored.properties["state"]) if stored else None


def test_a_passed_gate_leaves_the_candidate_alone(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    candidate = published(cli, work)
    repo = write_reports(work)
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 0, result.stderr
    store = LocalFolderStore(tmp_path / "cipipe-store")
    assert all(_state(store, f.path) == ("candidate",) for f in candidate.files)
    assert report.feedback == []


@pytest.fixture
def artifactory(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    auth = {"Authorization": f"Bearer {ARTIFACTORY_TOKEN}"}
    with serve_artifactory(FakeArtifactory(authorization=auth)) as server:
        monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", ARTIFACTORY_TOKEN)
        yield server


def test_rejected_marks_the_candidate_in_artifactory(
    cli: Cli, tmp_path: Path, artifactory: FakeArtifactory
) -> None:
    assert artifactory.url.startswith("http://127.0.0.1:")
    assert artifactory.url.endswith("/artifactory")
    work = tmp_path / "work"
    candidate = published(cli, work, "--target", artifactory.url)
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo, "--target", artifactory.url)
    check_rejected_for_security(work, result, report)
    for file in candidate.files:
        item = artifactory.items[("candidates", file.path)]
        assert item.properties["state"] == ["rejected"], file.path
    (feedback,) = report.feedback
    assert feedback.ok, feedback.error
    assert ARTIFACTORY_TOKEN not in result.stdout + result.stderr
    assert ARTIFACTORY_TOKEN not in (work / GateReport.FILE_NAME).read_text()


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with serve_github(FakeGitHub()) as fake:
        fake.add_pr(PR_REPO, 12)
        fake.add_comment(PR_REPO, 12, "Looks good to me")  # someone else's, left alone
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        monkeypatch.setenv("CIPIPE_GITHUB_API_URL", fake.url)
        monkeypatch.setenv("CHANGE_ID", "12")
        monkeypatch.setenv("CHANGE_URL", PR_URL)
        monkeypatch.setenv("BUILD_URL", BUILD_URL)
        yield fake


def marked(fake: FakeGitHub) -> list[dict[str, object]]:
    return [c for c in fake.comments_of(PR_REPO, 12) if COMMENT_MARKER in str(c["body"])]


def test_github_comment_and_status_updated_in_place(
    cli: Cli, tmp_path: Path, github: FakeGitHub
) -> None:
    assert github.url.startswith("http://127.0.0.1:")
    work = tmp_path / "work"
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo)
    check_rejected_for_security(work, result, report)
    (comment,) = marked(github)
    body = str(comment["body"])
    assert "rejected" in body and "security" in body and BUILD_URL in body
    (status,) = github.statuses[(PR_REPO, COMMIT)]
    assert status["state"] == "failure"
    assert status["context"] == STATUS_CONTEXT
    assert status["target_url"] == BUILD_URL
    assert "security" in status["description"]
    assert [f.ok for f in report.feedback] == [True, True], report.feedback
    assert report.feedback[1].url == comment["html_url"]

    # The CVE is fixed: the rerun edits the same comment and the status turns green.
    write_reports(work)
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 0, result.stderr
    assert report.verdict == "passed"
    (edited,) = marked(github)
    assert edited["id"] == comment["id"]
    assert "**passed**" in str(edited["body"]) and "rejected" not in str(edited["body"])
    assert len(github.comments_of(PR_REPO, 12)) == 2  # the other comment and ours
    latest = github.statuses[(PR_REPO, COMMIT)][-1]
    assert latest["state"] == "success" and latest["context"] == STATUS_CONTEXT
    assert latest["target_url"] == BUILD_URL
    assert [s.method for s in github.seen].count("PATCH") == 1
    assert all(s.headers.get("Authorization") == f"Bearer {github.token}" for s in github.seen)


def test_a_github_outage_does_not_change_the_verdict(
    cli: Cli, tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda a, b: 0.0)  # no backoff wait between retries
    github.fail(*["500"] * 40)
    work = tmp_path / "work"
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo)
    check_rejected_for_security(work, result, report)
    assert len(report.feedback) == 2
    for feedback in report.feedback:
        assert not feedback.ok
        assert feedback.error and "500" in feedback.error
        assert github.token not in feedback.error
    assert github.token not in result.stdout + result.stderr
    assert github.token not in (work / GateReport.FILE_NAME).read_text()
    assert marked(github) == [] and not github.statuses

    # A passed build during the outage is still passed.
    write_reports(work)
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 0, result.stderr
    assert report.verdict == "passed"
    assert report.feedback and not any(f.ok for f in report.feedback)


def test_no_token_no_request(
    cli: Cli, tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    work = tmp_path / "work"
    repo = write_reports(work, blocking=("CVE-2024-0001",))
    result, report = run_gate(cli, work, repo)
    check_rejected_for_security(work, result, report)
    assert report.feedback == []
    assert github.seen == []


def test_scan_report_is_read_from_the_work_folder(cli: Cli, tmp_path: Path) -> None:
    # The gate judges what scan.json says, not a default: remove it and the gate is missing.
    work = tmp_path / "work"
    repo = write_reports(work)
    (work / ScanReport.FILE_NAME).unlink()
    result, report = run_gate(cli, work, repo)
    assert result.exit_code == 1
    assert {g.name: g.status for g in report.gates}["security"] == "missing"


def test_the_gates_junit_is_never_written_through_a_link(cli: Cli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    repo = write_reports(work)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (work / "reports").symlink_to(elsewhere)
    result = cli("--workdir", work, "gate", "--repo", repo)
    assert result.exit_code == 2, result.stderr
    assert "reports: is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == [] and not (work / GateReport.FILE_NAME).exists()
