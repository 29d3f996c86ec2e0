"""cipipe build-info, history record and outcome record on real repositories and stores."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cipipe.steps.precheck.source import SourceFlags
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.steps.build_info.prepared import CONFIG, prepare
from tests.support.gitrepo import GitRepoBuilder


@pytest.fixture
def repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": CONFIG, "net/tcp.c": "int tcp;\n", "app/main.c": "x\n"})
    repo.commit(
        "Fix tcp overflow",
        {"net/tcp.c": "int tcp;\nint fixed;\nint more;\n"},
        author=("Grace", "grace@example.com"),
    )
    return repo


Cli = Callable[..., CliResult]


def build_info(cli: Cli, repo: GitRepoBuilder, work: Path, *extra: str) -> dict[str, Any]:
    result = cli(
        "--workdir",
        work,
        "build-info",
        "--repo",
        repo.root,
        "--db",
        str(work.parent / "history.sqlite3"),
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads((work / "build-info.json").read_text())
    return data


def test_missing_reports_are_named_and_missing_in_risk_inputs(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "w"
    prepare(repo, work)
    info = build_info(cli, repo, work, "--build-id", "5")
    assert info["missing"] == [
        "matrix.json",
        "artifacts.json",
        "tests.json",
        "deps_changed.json",
        "scan.json",
        "sbom.json",
    ]
    changes = info["changes"]
    assert changes["range"]["source"] == "parent"
    assert [
        (f["path"], f["status"], f["added"], f["deleted"], f["module"]) for f in changes["files"]
    ] == [("net/tcp.c", "modified", 2, 0, "networking")]
    assert changes["metrics"]["fix"] is True and changes["metrics"]["la"] == 2
    risk = json.loads((work / "risk-inputs.json").read_text())
    for key in (
        "unit_tests_failed",
        "coverage_delta",
        "vulnerabilities_critical",
        "dependencies_new",
    ):
        assert risk[key] == {"value": None, "status": "missing", "source": risk[key]["source"]}
    assert risk["lines_added"] == {"value": 2.0, "status": "measured", "source": "git"}
    assert risk["kind"]["value"] == "firmware" and risk["kind"]["status"] == "measured"
    assert risk["criticality"]["status"] == "defaulted"
    assert risk["module_failure_rate"]["status"] == "missing"
    assert cli("validate", work / "build-info.json", work / "risk-inputs.json").exit_code == 0


def test_diff_range_sources(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    work = tmp_path / "w"
    prepare(repo, work)
    assert build_info(cli, repo, work, "--base", first)["changes"]["range"] == {
        "base": first,
        "commit": repo.head(),
        "source": "flag",
    }
    monkeypatch.setenv("GIT_PREVIOUS_SUCCESSFUL_COMMIT", first)
    assert build_info(cli, repo, work)["changes"]["range"]["source"] == "jenkins-previous-success"
    monkeypatch.delenv("GIT_PREVIOUS_SUCCESSFUL_COMMIT")
    # A PR: its change is what it adds to the target branch since the merge base.
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature one", {"app/a.c": "a\n"})
    repo.commit("feature two", {"app/b.c": "b\n"})
    prepare(repo, work, SourceFlags(pr_id="7", target_branch="main"))
    info = build_info(cli, repo, work)
    assert info["changes"]["range"]["source"] == "merge-base"
    assert sorted(f["path"] for f in info["changes"]["files"]) == ["app/a.c", "app/b.c"]
    # The very first commit has no parent: everything it holds is the change.
    repo.git("checkout", "-q", first)
    prepare(repo, work)
    info = build_info(cli, repo, work)
    assert info["changes"]["range"] == {"base": None, "commit": first, "source": "root"}
    assert info["changes"]["files_changed"] == 3


def test_jfrog_build_info_format_and_no_secrets(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JENKINS_URL", "https://ci.example.com/")
    monkeypatch.setenv("BUILD_URL", "https://bot:s3cret-pass@ci.example.com/job/svc/12/")
    monkeypatch.setenv("BUILD_NUMBER", "12")
    monkeypatch.setenv("ARTIFACTORY_TOKEN", "tok-never-written")
    monkeypatch.setenv("JOB_NAME", "svc tok-never-written")
    work = tmp_path / "w"
    prepare(repo, work)
    build_info(cli, repo, work)
    jfrog = json.loads((work / "build-info.jfrog.json").read_text())
    assert jfrog["version"] == "1.0.1" and jfrog["name"] == "svc" and jfrog["number"] == "12"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", jfrog["started"])
    assert jfrog["agent"]["name"] == "Jenkins" and jfrog["buildAgent"]["name"] == "cipipe"
    assert jfrog["url"] == "https://ci.example.com/job/svc/12/"
    assert jfrog["vcs"][0]["revision"] == repo.head()
    assert jfrog["properties"]["buildInfo.env.BUILD_NUMBER"] == "12"
    assert "buildInfo.env.ARTIFACTORY_TOKEN" not in jfrog["properties"]
    for name in ("build-info.jfrog.json", "build-info.json", "risk-inputs.json"):
        text = (work / name).read_text()
        assert "tok-never-written" not in text and "s3cret-pass" not in text, name


def test_history_record_outcome_and_failure_rate(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "w"
    db = str(tmp_path / "history.sqlite3")
    prepare(repo, work)
    build_info(cli, repo, work, "--build-id", "1")
    assert cli("--workdir", work, "history", "record", "--db", db).exit_code == 0
    result = cli(
        "--workdir",
        work,
        "outcome",
        "record",
        "--repo",
        repo.root,
        "--db",
        db,
        "--build",
        "1",
        "--result",
        "rollback",
        "--note",
        "paging storm",
    )
    assert result.exit_code == 0, result.stderr
    info = build_info(cli, repo, work, "--build-id", "2")
    assert info["modules"] == [
        {"module": "networking", "failed": 1, "total": 1, "failure_rate": 1.0, "window_days": 180}
    ]
    risk = json.loads((work / "risk-inputs.json").read_text())
    assert risk["module_failure_rate"]["value"] == 1.0
    assert risk["module_failure_rate_builds"]["value"] == 1.0
    unknown = cli(
        "--workdir",
        work,
        "outcome",
        "record",
        "--repo",
        repo.root,
        "--db",
        db,
        "--build",
        "404",
        "--result",
        "ok",
    )
    assert unknown.exit_code == 2 and "unknown build '404'" in unknown.stderr
    bad_time = cli(
        "--workdir",
        work,
        "outcome",
        "record",
        "--repo",
        repo.root,
        "--db",
        db,
        "--build",
        "1",
        "--result",
        "ok",
        "--at",
        "yesterday",
    )
    assert bad_time.exit_code == 2 and "--at" in bad_time.stderr


def test_jfrog_time_format() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from cipipe.steps.build_info.jfrog import jfrog_time

    assert jfrog_time(datetime(2026, 1, 2, 10, 0, 0, 123456, tzinfo=UTC)) == (
        "2026-01-02T10:00:00.123+0000"
    )
    plus_two = timezone(timedelta(hours=2))
    assert (
        jfrog_time(datetime(2026, 1, 2, 12, 0, tzinfo=plus_two)) == "2026-01-02T10:00:00.000+0000"
    )


def test_build_info_without_author(cli: Cli, repo: GitRepoBuilder, tmp_path: Path) -> None:
    from cipipe.contracts.source import Source

    work = tmp_path / "w"
    prepare(repo, work)
    source = WorkDir(work).read(Source)
    WorkDir(work).write(source.model_copy(update={"author": None}))
    assert build_info(cli, repo, work)["author"] is None
    assert json.loads((work / "risk-inputs.json").read_text())["author"] is None


def test_planned_platforms_with_their_outcome_and_whether_optional(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path
) -> None:
    from tests.steps.gate.builds import WINDOWS_FAILED, built, matrix, outcomes

    work = tmp_path / "w"
    prepare(repo, work)
    config = tmp_path / "optional.yaml"
    config.write_text(
        "service: svc\nsupports: [linux, arm, windows]\n"
        "build: {optional_platforms: [arm, windows]}\n"
    )
    commit = json.loads((work / "source.json").read_text())["commit"]
    WorkDir(work).write(matrix(commit=commit))
    WorkDir(work).write(outcomes(built("linux"), WINDOWS_FAILED, commit=commit))
    info = build_info(cli, repo, work, "--build-id", "5", "--config", str(config))
    assert [(p["platform"], p["build"], p["optional"]) for p in info["platforms"]] == [
        ("linux", "built", False),
        ("arm", "missing", True),
        ("windows", "failed", True),
    ]
