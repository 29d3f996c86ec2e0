"""Agent labels, platform and service names and build ids are held to cipipe.identifiers where
they are read (.cipipe.yaml, matrix.json, a flag, BUILD_NUMBER), so `build-matrix --format
jenkins` can never print a line a Jenkinsfile would run as a second stage or command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.contracts.matrix import Matrix
from cipipe.errors import InputError
from cipipe.steps.build_matrix import jenkins_lines
from tests.conftest import CliResult
from tests.contracts.samples import sample_contracts
from tests.steps.buildflow import work_folder
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
HOSTILE = [
    "linux\nwindows",
    "linux\twindows",
    "linux; rm -rf ~",
    "$(id)",
    "`id`",
    "linux/../x",
    "linux\n",  # re.match with $ accepted this one
    "linux\r",
    "",
]


def config(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": "svc",
        "supports": ["linux", "arm"],
        "agents": {"arm": "arm64 && native"},
        "platforms": {
            "linux": {"toolchain": {"version": "12.2.0"}},
            "arm": {"toolchain": {"version": "12.2.0"}},
        },
    }
    data.update(changes)
    return data


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return work_folder(tmp_path / "work")


def matrix_lines(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], workdir: Path, data: dict[str, Any]
) -> CliResult:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": yaml.safe_dump(data)})
    return cli("--workdir", workdir, "build-matrix", "--repo", repo.root, "--format", "jenkins")


def assert_refused(result: CliResult, workdir: Path, *needles: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""  # not one line for the Jenkinsfile to split
    [line] = result.stderr.strip().splitlines()
    for needle in needles:
        assert needle in line, (needle, line)
    assert not (workdir / "matrix.json").exists()


@pytest.mark.parametrize("label", HOSTILE)
def test_a_hostile_agent_label_never_reaches_the_jenkins_lines(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], workdir: Path, label: str
) -> None:
    by_map = matrix_lines(cli, make_repo, workdir, config(agents={"arm": label}))
    assert_refused(by_map, workdir, ".cipipe.yaml: agents.arm", "should match pattern")
    platforms = config()["platforms"]
    platforms["linux"]["agent"] = label
    inline = matrix_lines(cli, make_repo, workdir, config(platforms=platforms))
    assert_refused(inline, workdir, ".cipipe.yaml: platforms.linux.agent")


@pytest.mark.parametrize("name", ["linux\nwindows", "linux\t", "linux;x", "Linux", "li$nux"])
def test_hostile_platform_names_are_refused_as_list_items_and_keys(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], workdir: Path, name: str
) -> None:
    pattern = "should match pattern '^[a-z0-9][a-z0-9._-]*$'"
    listed = matrix_lines(cli, make_repo, workdir, config(supports=["arm", name]))
    assert_refused(listed, workdir, ".cipipe.yaml: supports[1]", pattern)
    keyed = matrix_lines(cli, make_repo, workdir, config(agents={name: "linux"}))
    assert_refused(keyed, workdir, ".cipipe.yaml: agents", pattern)
    platforms = {**config()["platforms"], name: {"toolchain": {"version": "1"}}}
    declared = matrix_lines(cli, make_repo, workdir, config(platforms=platforms))
    assert_refused(declared, workdir, ".cipipe.yaml: platforms", pattern)


def test_label_expressions_stay_valid(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], workdir: Path
) -> None:
    agents = {"linux": "linux && docker", "arm": "(arm64 || aarch64) && !slow-disk"}
    result = matrix_lines(cli, make_repo, workdir, config(agents=agents))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "linux\tlinux && docker\narm\t(arm64 || aarch64) && !slow-disk\n"


def test_jenkins_lines_check_again_whatever_made_the_matrix() -> None:
    matrix = next(c for c in sample_contracts() if isinstance(c, Matrix))
    assert jenkins_lines(matrix) == "linux\tlinux\n"
    # model_construct skips validation, as any future code path that builds a matrix might.
    bad_plan = matrix.platforms[0].model_construct(
        **{**matrix.platforms[0].__dict__, "agent": "linux\nwindows\tevil"}
    )
    with pytest.raises(InputError, match=r"matrix.json: platforms\[0\].agent"):
        jenkins_lines(matrix.model_construct(**{**matrix.__dict__, "platforms": [bad_plan]}))


@pytest.mark.parametrize(
    ("field", "value"),
    [("agent", "linux\nwindows"), ("platform", "linux\n"), ("build_dir", "../../home")],
)
def test_a_hand_edited_matrix_is_refused_when_read(
    cli: Cli, workdir: Path, tmp_path: Path, field: str, value: str
) -> None:
    matrix = next(c for c in sample_contracts() if isinstance(c, Matrix))
    data = json.loads(matrix.to_json())
    data["platforms"][0][field] = value
    (workdir / "matrix.json").write_text(json.dumps(data))
    (tmp_path / ".cipipe.yaml").write_text(yaml.safe_dump(config()))
    result = cli("--workdir", workdir, "test", "--repo", tmp_path)
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"matrix.json: platforms[0].{field}" in line


BAD_VALUES = ["a\nb", "7\n", "x;rm -rf ~", "$(id)", "`id`", "a/b", "a\tb", "../x"]
FLAG_USES = [
    (["build", "--platform"], "--platform"),
    (["test", "--platform", "linux", "--platform"], "--platform"),
    (["build", "--build-id"], "--build-id"),
    (["build-info", "--build-id"], "--build-id"),
    (["sbom", "--build-id"], "--build-id"),
    (["bundle", "--spec", "bundle.yaml", "--build-id"], "--build-id"),
    (["outcome", "record", "--result", "ok", "--build"], "--build"),
    (["audit", "show", "--build"], "--build"),
    (["audit", "show", "--build", "PR-17", "--service"], "--service"),
    (["dashboard", "--out", "site", "--service"], "--service"),
    (["shadow", "report", "--service"], "--service"),
]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(("argv", "flag"), FLAG_USES)
def test_every_identifier_flag_is_checked_before_anything_runs(
    cli: Cli, tmp_path: Path, argv: list[str], flag: str, value: str
) -> None:
    work = tmp_path / "work"
    result = cli("--workdir", work, *argv, value)
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"{flag}: got {value!r}" in line
    assert not work.exists()


def test_a_hostile_build_number_from_jenkins_is_refused(
    cli: Cli,
    make_repo: Callable[[str], GitRepoBuilder],
    workdir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": yaml.safe_dump(config())})
    assert cli("--workdir", workdir, "build-matrix", "--repo", repo.root).exit_code == 0
    spec = tmp_path / "bundle.yaml"
    spec.write_text("bundle: gateway\nmembers: [{service: svc}]\n")
    monkeypatch.setenv("BUILD_NUMBER", "7\n")  # accepted by the old re.match(...$)
    for argv in (
        ["build", "--repo", repo.root],
        ["build-info", "--repo", repo.root],
        ["gate", "--repo", repo.root],
        ["bundle", "--spec", spec],
    ):
        result = cli("--workdir", workdir, *argv)
        assert result.exit_code == 2, (argv, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert "BUILD_NUMBER: got '7\\n'" in line, (argv, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.yaml", "svc", "work"]
    assert sorted(p.name for p in workdir.iterdir()) == [".lock", "matrix.json", "source.json"]
