"""Bad input: exit 2, one line naming the file, the field and what was expected; no traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.contracts.samples import sample_source
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
CONFIG = """\
service: svc
supports: [linux]
platforms:
  linux: {toolchain: {version: "12.2.0"}}
"""


def assert_one_line_error(result: CliResult, *needles: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def source_json(**changes: object) -> str:
    data = json.loads(sample_source().to_json())
    data.update(changes)
    return json.dumps(data)


# -- cipipe validate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (None, ["file not found"]),
        ("{not json", ["invalid JSON at line 1 column 2"]),
        ("[1, 2]", ["top level is list", "expected a JSON object"]),
        ('{"a": 1}', ["schema: required field is missing", 'expected "cipipe.<name>/<major>"']),
        ('{"schema": "cipipe.nope/1"}', ["schema: unknown schema cipipe.nope"]),
        (
            '{"schema": "cipipe.source/2"}',
            ["schema: major version 2 is not supported", '"cipipe.source/1"'],
        ),
        (source_json(surprise=1), ["surprise: unknown field"]),
        (
            source_json(detached_head="maybe"),
            ["detached_head: got 'maybe'", "expected a valid boolean"],
        ),
        (source_json(author={"name": 3}), ["author.name: got 3", "expected a valid string"]),
        (source_json(submodules=[{"path": "x"}]), ["submodules[0].commit: required field"]),
    ],
)
def test_validate_bad_files(
    cli: Cli, tmp_path: Path, content: str | None, needles: list[str]
) -> None:
    path = tmp_path / "source.json"
    if content is not None:
        write(path, content)
    assert_one_line_error(cli("validate", path), str(path), *needles)


def test_validate_good_file(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "source.json", sample_source().to_json())
    result = cli("validate", path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}: valid cipipe.source/1\n"


def test_validate_yaml_config(cli: Cli, tmp_path: Path) -> None:
    good = write(tmp_path / ".cipipe.yaml", CONFIG)
    assert cli("validate", good).exit_code == 0
    bad = write(tmp_path / "bad.yaml", CONFIG + "precheck: {clang-format: {blocking: sometimes}}\n")
    assert_one_line_error(
        cli("validate", bad), str(bad), "precheck.clang-format.blocking", "expected a valid boolean"
    )


# -- cipipe build-matrix ---------------------------------------------------------------------


@pytest.fixture
def repo(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": CONFIG})
    return repo


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (None, ["source.json: missing; run `cipipe precheck` first"]),
        ("{", ["source.json: invalid JSON"]),
        (
            '{"schema": "cipipe.matrix/1"}',
            ["source.json: schema: is a cipipe.matrix file", 'expected "cipipe.source/1"'],
        ),
        (source_json(extra_field=True), ["source.json: extra_field: unknown field"]),
        (source_json(commit=42), ["source.json: commit: got 42", "expected a valid string"]),
    ],
)
def test_build_matrix_bad_source(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path, content: str | None, needles: list[str]
) -> None:
    work = tmp_path / "work"
    if content is not None:
        write(work / "source.json", content)
    result = cli("--workdir", work, "build-matrix", "--repo", repo.root)
    assert_one_line_error(result, *needles)
    assert not (work / "matrix.json").exists()


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        (None, [".cipipe.yaml: file not found"]),
        ("service: [unclosed", [".cipipe.yaml: invalid YAML at line 1 column 19"]),
        ("- a\n- b\n", [".cipipe.yaml: top level is list", "expected a mapping"]),
        (CONFIG + "colour: blue\n", [".cipipe.yaml: colour: unknown field"]),
        (
            CONFIG.replace("supports: [linux]", "supports: linux"),
            [".cipipe.yaml: supports: got 'linux'", "expected a valid list"],
        ),
        (
            CONFIG.replace("service: svc", "service: Bad Name!"),
            [".cipipe.yaml: service: got 'Bad Name!'", "a string that should match pattern"],
        ),
        (
            CONFIG.replace('{version: "12.2.0"}', '{verison: "12.2.0"}'),
            [".cipipe.yaml: platforms.linux.toolchain.verison: unknown field"],
        ),
        (
            CONFIG + "platforms: {}\n",
            [".cipipe.yaml: invalid YAML at line 5", "duplicate key 'platforms'"],
        ),
    ],
)
def test_build_matrix_bad_config(
    cli: Cli,
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    config: str | None,
    needles: list[str],
) -> None:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": config} if config is not None else {"x": "y"})
    work = tmp_path / "work"
    write(work / "source.json", sample_source().to_json())
    assert_one_line_error(cli("--workdir", work, "build-matrix", "--repo", repo.root), *needles)
    assert not (work / "matrix.json").exists()


def test_build_matrix_unknown_platform_names_key(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": CONFIG.replace("[linux]", "[linux, amiga]")})
    work = tmp_path / "work"
    write(work / "source.json", sample_source().to_json())
    result = cli("--workdir", work, "build-matrix", "--repo", repo.root)
    assert_one_line_error(result, ".cipipe.yaml: supports[1]: unknown platform 'amiga'")


# -- cipipe precheck -------------------------------------------------------------------------


def test_precheck_outside_a_repository(cli: Cli, tmp_path: Path) -> None:
    result = cli("--workdir", tmp_path / "w", "precheck", "--repo", tmp_path)
    assert_one_line_error(result, str(tmp_path), "not a git repository")


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        (None, [".cipipe.yaml: file not found"]),
        ("precheck: [", [".cipipe.yaml: invalid YAML"]),
        (
            CONFIG + "precheck: {scope: some}\n",
            ["precheck.scope: got 'some'", "'all' or 'changed'"],
        ),
        (CONFIG + "precheck: {cpplint: {}}\n", ["precheck.cpplint: unknown field"]),
        (CONFIG + "precheck: {include: src}\n", ["precheck.include: got 'src'", "valid list"]),
        (
            CONFIG + "precheck: {telemetry: {required: [{keys: [a]}]}}\n",
            ["precheck.telemetry.required[0].path: required field is missing"],
        ),
    ],
)
def test_precheck_bad_config_writes_nothing(
    cli: Cli,
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    config: str | None,
    needles: list[str],
) -> None:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": config} if config is not None else {"x": "y"})
    work = tmp_path / "w"
    result = cli("--workdir", work, "precheck", "--repo", repo.root)
    assert_one_line_error(result, str(repo.root / ".cipipe.yaml"), *needles)
    assert not work.exists() or not any(work.iterdir())


def test_precheck_unknown_commit(cli: Cli, repo: GitRepoBuilder, tmp_path: Path) -> None:
    result = cli("--workdir", tmp_path / "w", "precheck", "--repo", repo.root, "--commit", "f00d")
    assert_one_line_error(result, "unknown revision 'f00d'")


# -- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["frobnicate"], "No such command 'frobnicate'"),
        (["precheck", "--nope"], "No such option '--nope'"),
        (["schema", "nope"], "'nope' is not one of"),
        (["--log-format", "xml", "validate", "x"], "'xml' is not one of"),
        (["build-matrix", "--format", "yaml"], "'yaml' is not one of"),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli: Cli, argv: list[str], needle: str) -> None:
    assert_one_line_error(cli(*argv), needle)
