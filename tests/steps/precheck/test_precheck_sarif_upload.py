"""cipipe precheck --sarif-category and --upload-sarif, end to end against the fake GitHub on
127.0.0.1: the log GitHub receives is the precheck.sarif written, for the commit and its ref.

The analysers are turned off so no C++ tool is needed: the telemetry contract check (cipipe's
own) gives the findings, one with no such file and one that leaves the repository."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.support.githubserver import FakeGitHub, serve
from tests.support.gitrepo import GitRepoBuilder
from tests.support.sarif import assert_valid_sarif

Cli = Callable[..., CliResult]
REPO = "acme/widget"
CONFIG = """\
service: demo
supports: [linux]
precheck:
  cppcheck: {enabled: false}
  clang-format: {enabled: false}
  clang-tidy: {enabled: false}
  telemetry:
    blocking: false
    required:
      - {path: telemetry/contract.json, keys: [metrics.latency]}
      - {path: ../outside.yaml}
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_repo(REPO)
    with serve(server):
        monkeypatch.setenv("GITHUB_TOKEN", server.token)
        monkeypatch.setenv("CIPIPE_GITHUB_API_URL", server.url)
        for name in ("CHANGE_ID", "CHANGE_URL", "GIT_URL", "GIT_URL_1", "GITHUB_API_URL"):
            monkeypatch.delenv(name, raising=False)
        yield server


@pytest.fixture
def repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    built = make_repo("service")
    built.commit(
        "a service with a telemetry contract",
        {".cipipe.yaml": CONFIG, "telemetry/contract.json": '{"metrics": {}}\n'},
    )
    built.git("remote", "add", "origin", f"https://github.example/{REPO}.git")
    return built


def precheck(cli: Cli, repo: GitRepoBuilder, work: Path, *extra: str) -> CliResult:
    return cli("--workdir", work, "precheck", "--repo", repo.root, *extra)


def written(work: Path) -> Any:
    return json.loads((work / "precheck.sarif").read_text())


def test_upload_sends_the_written_log_for_the_commit_and_branch(
    cli: Cli, repo: GitRepoBuilder, fake: FakeGitHub, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    result = precheck(cli, repo, work, "--upload-sarif", "--sarif-category", "precheck/linux")
    assert result.exit_code == 0, result.stderr
    (upload,) = fake.sarifs
    assert (upload.repo, upload.commit_sha, upload.ref) == (REPO, repo.head(), "refs/heads/main")
    assert upload.log == written(work)
    assert_valid_sarif(upload.log)
    (run,) = upload.log["runs"]
    assert run["automationDetails"] == {"id": "precheck/linux/"}
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert uris == ["telemetry/contract.json", ".cipipe.yaml"]  # the second leaves the repo
    # .cipipe.yaml exists: its first line is fingerprinted, as GitHub's action would.
    assert run["results"][1]["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
    assert "uploaded to GitHub code scanning of acme/widget" in result.stderr


def test_a_pull_request_uploads_under_its_head_ref(
    cli: Cli, repo: GitRepoBuilder, fake: FakeGitHub, tmp_path: Path
) -> None:
    result = precheck(
        cli, repo, tmp_path / "w", "--upload-sarif", "--pr", "12", "--github-repo", REPO
    )
    assert result.exit_code == 0, result.stderr
    assert [u.ref for u in fake.sarifs] == ["refs/pull/12/head"]


def test_without_a_token_nothing_runs(
    cli: Cli,
    repo: GitRepoBuilder,
    fake: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    work = tmp_path / "work"
    result = precheck(cli, repo, work, "--upload-sarif")
    assert result.exit_code == 2
    assert "GITHUB_TOKEN" in result.stderr
    assert not (work / "precheck.json").exists() and fake.seen == []


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (("--sarif-category", " "), "--sarif-category"),
        (("--upload-sarif", "--sarif-ref", "main"), "--sarif-ref"),
        (("--upload-sarif", "--github-repo", "not a repo"), "repo"),
    ],
)
def test_bad_upload_options_stop_before_any_work(
    cli: Cli,
    repo: GitRepoBuilder,
    fake: FakeGitHub,
    tmp_path: Path,
    extra: tuple[str, ...],
    named: str,
) -> None:
    work = tmp_path / "work"
    result = precheck(cli, repo, work, *extra)
    assert result.exit_code == 2, result.stderr
    assert named in result.stderr
    assert not (work / "precheck.json").exists() and fake.seen == []


def test_github_failing_after_retries_is_exit_3_with_the_files_written(
    cli: Cli, repo: GitRepoBuilder, fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.fail(*["429:0"] * 4)  # every attempt refused, without waiting
    work = tmp_path / "work"
    result = precheck(cli, repo, work, "--upload-sarif")
    assert result.exit_code == 3, result.stderr
    assert "after 4 attempts" in result.stderr
    assert written(work)["runs"] and fake.sarifs == []


def test_an_unknown_repository_is_bad_input(
    cli: Cli, repo: GitRepoBuilder, fake: FakeGitHub, tmp_path: Path
) -> None:
    repo.git("remote", "remove", "origin")
    result = precheck(cli, repo, tmp_path / "work", "--upload-sarif")
    assert result.exit_code == 2
    assert "--github-repo" in result.stderr and fake.seen == []
