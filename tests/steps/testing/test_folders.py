"""cipipe test empties and fills folders only inside the repository, and writes its reports and
logs only into real folders of the work folder: a symlinked ``build/``, a ``build_dir`` of
``.`` or ``..`` or a linked ``reports/`` is exit 2 with nothing deleted or written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import OUTSIDE_SENTINEL, CliResult
from tests.steps.buildflow import plan
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]

# A test "program" that writes the gtest XML report cipipe asks for, so no compiler is needed.
GTEST_REPORT = """\
cat > "${GTEST_OUTPUT#xml:}" <<'XML'
<testsuites tests="1" failures="0" disabled="0" errors="0">
  <testsuite name="Calc" tests="1" failures="0" disabled="0" skipped="0" errors="0">
    <testcase name="Adds" status="run" result="completed" classname="Calc"/>
  </testsuite>
</testsuites>
XML
"""


def plan_config(coverage_dir: str | None = "build/coverage", platforms: int = 1) -> str:
    linux: dict[str, Any] = {
        "toolchain": {"compiler": "g++", "version": "1"},
        "build": ["true"],
        "tests": {"commands": ["sh {source_dir}/fake_test.sh"]},
    }
    if coverage_dir is not None:
        linux["tests"]["coverage"] = {"build_dir": coverage_dir, "command": ["true"]}
    config: dict[str, Any] = {
        "service": "calc",
        "supports": ["linux"],
        "platforms": {"linux": linux},
    }
    if platforms == 2:
        config["supports"] = ["arm", "linux"]
        config["platforms"]["arm"] = {
            "toolchain": {"version": "1"},
            "tests": {"runner": "native", "commands": ["sh {source_dir}/fake_test.sh"]},
        }
    return yaml.safe_dump(config)


def project(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, config: str
) -> tuple[GitRepoBuilder, Path]:
    repo = make_repo("calc")
    repo.commit("calc", {".cipipe.yaml": config, "fake_test.sh": GTEST_REPORT})
    return repo, plan(repo.root, tmp_path / "work")


def edit_matrix(work: Path, **changes: Any) -> None:
    matrix = json.loads((work / "matrix.json").read_text())
    plan = matrix["platforms"][-1]
    for key, value in changes.items():
        if key == "coverage_dir":
            plan["tests"]["coverage"]["build_dir"] = value
        else:
            plan[key] = value
    (work / "matrix.json").write_text(json.dumps(matrix))


def assert_refused(result: CliResult, work: Path, *needles: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    [line] = result.stderr.strip().splitlines()
    for needle in needles:
        assert needle in line, (needle, line)
    assert sorted(p.name for p in work.iterdir()) == [".lock", "matrix.json", "source.json"]


def test_a_symlinked_build_folder_outside_the_repository_is_not_emptied(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config())
    (repo.root / "build").symlink_to(outside)  # build/coverage -> elsewhere/coverage
    (outside / "coverage").mkdir()
    (outside / "coverage" / "keep.txt").write_text(OUTSIDE_SENTINEL)
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert_refused(
        result,
        work,
        "matrix.json: platforms.linux.build_dir",  # build/linux resolves outside too
        "resolves to",
        "expected a folder inside the repository",
    )
    assert (outside / "coverage" / "keep.txt").read_text() == OUTSIDE_SENTINEL
    assert (outside / "keep.txt").read_text() == OUTSIDE_SENTINEL


def test_a_linked_coverage_folder_is_refused(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config(coverage_dir="cov"))
    (repo.root / "cov").symlink_to(outside)
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert_refused(result, work, "platforms.linux.tests.coverage.build_dir", "'cov'")
    assert (outside / "keep.txt").read_text() == OUTSIDE_SENTINEL


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (".", "build folder '.' is not allowed"),
        ("", "build folder '' is not allowed"),
        (".git", "build folder '.git' is not allowed"),
        (".git/hooks", "build folder '.git/hooks' is not allowed"),
        ("../elsewhere", "'../elsewhere' leaves the repository"),
        ("/tmp", "'/tmp' leaves the repository"),
    ],
)
def test_a_hand_edited_matrix_cannot_name_a_folder_to_wipe(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    outside: Path,
    value: str,
    needle: str,
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config())
    edit_matrix(work, coverage_dir=value)
    head = repo.head()
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert_refused(result, work, "matrix.json", needle)
    assert repo.head() == head and (repo.root / ".git" / "HEAD").is_file()
    assert (repo.root / ".cipipe.yaml").is_file() and (outside / "keep.txt").is_file()


def test_the_work_folder_is_never_a_build_folder(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli
) -> None:
    repo = make_repo("calc")
    repo.commit("calc", {".cipipe.yaml": plan_config(coverage_dir="out"), "fake_test.sh": ""})
    # The coverage folder would hold the work folder.
    work = plan(repo.root, repo.root / "out" / ".cipipe")
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 2
    assert "platforms.linux.tests.coverage.build_dir" in result.stderr
    assert (work / "matrix.json").is_file() and (work / "source.json").is_file()


def test_one_bad_platform_stops_every_platform_before_it_runs(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config(coverage_dir=None, platforms=2))
    edit_matrix(work, build_dir=".")  # the second platform (linux); arm would run first
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert_refused(result, work, "platforms.linux.build_dir")


@pytest.mark.parametrize("folder", ["logs", "reports"])
def test_linked_output_folders_in_the_work_folder_are_refused(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    outside: Path,
    folder: str,
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config(coverage_dir=None))
    (work / folder).symlink_to(outside)
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 2, result.stderr
    assert f"{folder}: is a symbolic link" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    # Refused before the first platform ran: no log, no report, no tests.json.
    assert sorted(p.name for p in work.iterdir()) == sorted(
        [".lock", "matrix.json", "source.json", folder]
    )


def test_a_linked_report_name_is_refused_not_written_through(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config(coverage_dir=None))
    (work / "reports" / "linux").mkdir(parents=True)
    (work / "reports" / "linux" / "run0.xml").symlink_to(outside / "keep.txt")
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 2 and "run0.xml: is a symbolic link" in result.stderr
    assert (outside / "keep.txt").read_text() == OUTSIDE_SENTINEL


def test_real_folders_still_work(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config(coverage_dir=None))
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    report = json.loads((work / "tests.json").read_text())
    assert report["platforms"][0]["counts"]["passed"] == 1
    assert (work / "reports" / "junit-linux.xml").is_file()
    assert (work / "logs" / "test-linux.log").is_file()


def test_the_repository_itself_is_never_a_build_folder_even_without_git(tmp_path: Path) -> None:
    from cipipe.errors import InputError
    from cipipe.steps.build.paths import build_folder

    source = tmp_path / "exported-source"  # a tarball's tree: no .git to guard
    source.mkdir()
    for value in (".", "", "src/.."):
        with pytest.raises(InputError, match="is not allowed"):
            build_folder(source, value, field="platforms.linux.build_dir")
    assert build_folder(source, "build/linux", field="f") == source.resolve() / "build" / "linux"


def test_a_linked_coverage_report_is_refused_before_the_tool_writes_it(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, outside: Path
) -> None:
    repo, work = project(make_repo, tmp_path, plan_config())
    matrix = json.loads((work / "matrix.json").read_text())
    # A coverage tool that writes its report wherever {report} leads, as gcovr would.
    matrix["platforms"][0]["tests"]["coverage"]["command"] = ["sh", "-c", "echo lcov > {report}"]
    (work / "matrix.json").write_text(json.dumps(matrix))
    (work / "reports").mkdir()
    (work / "reports" / "coverage-linux.xml").symlink_to(outside / "keep.txt")
    result = cli("--workdir", work, "test", "--repo", repo.root)
    assert result.exit_code == 2 and "coverage-linux.xml: is a symbolic link" in result.stderr
    assert (outside / "keep.txt").read_text() == OUTSIDE_SENTINEL
