"""The smoke test runs in a temporary folder (the checkout stays clean) and even with runner
none; ``cipipe test --platform X`` replaces only X's entry of the work folder's tests.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliResult
from tests.contracts.samples import sample_source
from tests.steps.buildflow import plan
from tests.support.gitrepo import GitRepoBuilder
from tests.support.surefire import assert_surefire_valid

Cli = Callable[..., CliResult]

# A test "program" that writes the gtest XML report cipipe asks for; FAILING=1 makes it fail.
GTEST_REPORT = """\
if [ -n "$FAILING" ]; then
  outcome='<failure message="calc.cpp:3: expected 4">boom</failure>'
fi
cat > "${GTEST_OUTPUT#xml:}" <<XML
<testsuites>
  <testsuite name="Calc" tests="1">
    <testcase name="Adds" status="run" result="completed" classname="Calc">$outcome</testcase>
  </testsuite>
</testsuites>
XML
[ -z "$FAILING" ]
"""
# Like spdlog's example: it writes logs/ where it starts.
WRITES_LOGS = "mkdir -p logs && echo started > logs/app.log && pwd && echo service-ok"


def project(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, config: dict[str, Any]
) -> tuple[GitRepoBuilder, Path]:
    repo = make_repo("svc")
    repo.commit(
        "svc",
        {
            ".cipipe.yaml": yaml.safe_dump(config),
            "fake_test.sh": GTEST_REPORT,
            "app.sh": WRITES_LOGS,
        },
    )
    return repo, plan(repo.root, tmp_path / "work")


def platform(tests: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"toolchain": {"version": "1"}, "build": ["true"], "tests": tests, **extra}


def smoke_only(smoke: dict[str, Any]) -> dict[str, Any]:
    """A config whose one platform, linux, runs no unit tests, only this smoke test."""
    linux = platform({"runner": "none", "smoke": smoke})
    return {"service": "svc", "supports": ["linux"], "platforms": {"linux": linux}}


def report(work: Path) -> dict[str, Any]:
    return json.loads((work / "tests.json").read_text())  # type: ignore[no-any-return]


def test_smoke_runs_with_runner_none_in_a_temporary_folder(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    smoke = {"command": "sh {source_dir}/app.sh", "expect_output": "service-ok"}
    repo, work = project(make_repo, tmp_path, smoke_only(smoke))
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    [linux] = report(work)["platforms"]
    assert linux["status"] == "not-run" and linux["runner"] == "none"
    smoke_result = linux["smoke"]
    assert smoke_result["status"] == "ran" and smoke_result["passed"] is True
    started_in = Path(smoke_result["output"].splitlines()[0])
    assert not started_in.is_relative_to(repo.root) and not started_in.exists()  # removed after
    assert repo.git("status", "--porcelain") == ""  # no logs/ left in the checkout


def test_a_failed_smoke_fails_even_when_unit_tests_do_not_run(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    smoke = {"command": "sh -c 'exit 3'"}
    repo, work = project(make_repo, tmp_path, smoke_only(smoke))
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 1
    data = report(work)
    assert data["critical_failures"] == ["linux: smoke test (exited 3, expected 0)"]


def test_smoke_without_its_emulator_is_not_run_with_the_reason(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    smoke = {"command": "{build_dir}/app"}
    tests = {"runner": "none", "emulator": "qemu-not-installed-here", "smoke": smoke}
    config = {"service": "svc", "supports": ["arm"], "platforms": {"arm": platform(tests)}}
    repo, work = project(make_repo, tmp_path, config)
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    [arm] = report(work)["platforms"]
    assert arm["smoke"]["status"] == "not-run" and arm["smoke"]["passed"] is False
    assert "qemu-not-installed-here is not installed" in arm["smoke"]["reason"]
    assert report(work)["outcome"] == "passed"  # not run is not failed; the gate warns


def two_platforms(make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path) -> Any:
    tests = {"runner": "native", "commands": ["sh {source_dir}/fake_test.sh"]}
    config = {
        "service": "svc",
        "supports": ["linux", "arm"],
        "platforms": {"linux": platform(tests), "arm": platform(tests)},
    }
    return project(make_repo, tmp_path, config)


def test_test_of_one_platform_replaces_only_its_entry(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, work = two_platforms(make_repo, tmp_path)
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    before = report(work)
    linux_junit = (work / "reports/junit-linux.xml").read_bytes()

    monkeypatch.setenv("FAILING", "1")
    assert cli("--workdir", work, "test", "--repo", repo.root, "--platform", "arm").exit_code == 1
    after = report(work)
    assert [p["platform"] for p in after["platforms"]] == ["linux", "arm"]
    assert after["platforms"][0] == before["platforms"][0]  # linux's entry, untouched
    assert after["platforms"][1]["counts"]["failed"] == 1
    assert after["critical_failures"] == ["arm: Calc.Adds"] and after["outcome"] == "failed"
    assert (work / "reports/junit-linux.xml").read_bytes() == linux_junit
    for written in ("junit-linux.xml", "junit-arm.xml"):
        assert_surefire_valid(work / "reports" / written)

    monkeypatch.delenv("FAILING")
    assert cli("--workdir", work, "test", "--repo", repo.root, "--platform", "arm").exit_code == 0
    again = report(work)
    assert again["critical_failures"] == [] and again["outcome"] == "passed"
    assert [p["platform"] for p in again["platforms"]] == ["linux", "arm"]


def test_a_tests_json_of_another_commit_is_replaced(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = two_platforms(make_repo, tmp_path)
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    stale = report(work)
    stale["commit"] = "0" * 40
    (work / "tests.json").write_text(json.dumps(stale))
    result = cli("--workdir", work, "test", "--repo", repo.root, "--platform", "arm")
    assert result.exit_code == 0
    assert [p["platform"] for p in report(work)["platforms"]] == ["arm"]
    assert report(work)["commit"] == sample_source().commit
    assert "replaced, not merged" in result.stderr


def test_a_relative_smoke_program_is_the_repositorys(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    smoke = {"command": "bin/app --health", "expect_output": "service-ok"}
    repo, work = project(make_repo, tmp_path, smoke_only(smoke))
    app = repo.write("bin/app", "#!/bin/sh\n" + WRITES_LOGS + "\n")
    app.chmod(0o755)
    repo.commit("app")
    assert cli("--workdir", work, "test", "--repo", repo.root).exit_code == 0
    [linux] = report(work)["platforms"]
    assert linux["smoke"]["passed"] is True, linux["smoke"]
    assert repo.git("status", "--porcelain") == ""
