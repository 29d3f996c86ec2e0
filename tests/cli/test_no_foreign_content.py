"""An error message may quote the named input's own values, never the bytes of another file.

Each test puts a symbolic link where cipipe expects an input and points it at a "secret" file
(standing for /etc/shadow, a deploy key, a CI credential file) whose content would make the
message quote it. The secret text must appear nowhere in what cipipe prints or writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.contracts.samples import sample_source
from tests.steps.buildflow import work_folder
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
TOKEN = "TOPSECRET-7f3a"
# Valid YAML whose values and keys the config check would quote: an upper-case service name,
# an unknown key, a key given twice.
SECRET_YAML = f"service: {TOKEN}-svc\nsupports: [linux]\n"
SECRET_KEYS = f"service: svc\nsupports: [linux]\n{TOKEN}: 1\n"
SECRET_DUPLICATE = f"{TOKEN}: 1\n{TOKEN}: 2\n"


def secret(tmp_path: Path, text: str, name: str = "credentials") -> Path:
    path = tmp_path / "host" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def nowhere_quoted(result: CliResult, *folders: Path) -> None:
    assert TOKEN not in result.stdout + result.stderr, result.stderr
    for folder in folders:
        for file in folder.rglob("*"):
            if file.is_file() and not file.is_symlink():
                assert TOKEN not in file.read_text(errors="replace"), file


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return work_folder(tmp_path / "work")


def test_the_same_value_is_quoted_from_a_real_file(cli: Cli, tmp_path: Path, work: Path) -> None:
    # The control: without a link the message names the bad value, as it should.
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text(SECRET_YAML)
    result = cli("--workdir", work, "build-matrix", "--repo", repo)
    assert result.exit_code == 2 and f"got '{TOKEN}-svc'" in result.stderr


@pytest.mark.parametrize("content", [SECRET_YAML, SECRET_KEYS, SECRET_DUPLICATE])
def test_a_linked_config_is_named_but_not_quoted(
    cli: Cli, tmp_path: Path, work: Path, content: str
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cipipe.yaml").symlink_to(secret(tmp_path, content))
    result = cli("--workdir", work, "build-matrix", "--repo", repo)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert f"{repo / '.cipipe.yaml'}: detail not shown" in line
    nowhere_quoted(result, work)


def test_a_file_behind_a_linked_folder_is_not_quoted(cli: Cli, tmp_path: Path, work: Path) -> None:
    secret(tmp_path, SECRET_YAML, ".cipipe.yaml")
    (tmp_path / "conf").symlink_to(tmp_path / "host")
    config = tmp_path / "conf" / ".cipipe.yaml"
    result = cli("--workdir", work, "build-matrix", "--repo", tmp_path, "--config", config)
    assert result.exit_code == 2 and "detail not shown" in result.stderr
    nowhere_quoted(result, work)


def test_validate_does_not_quote_a_linked_file(cli: Cli, tmp_path: Path) -> None:
    data = json.loads(sample_source().to_json())
    data["commit"] = {"leaked": TOKEN}
    (tmp_path / "source.json").symlink_to(secret(tmp_path, json.dumps(data)))
    result = cli("validate", tmp_path / "source.json")
    assert result.exit_code == 2
    nowhere_quoted(result)


def test_a_linked_input_in_the_work_folder_is_refused_unread(
    cli: Cli, tmp_path: Path, work: Path
) -> None:
    (work / "source.json").unlink()
    (work / "source.json").symlink_to(secret(tmp_path, f'{{"schema": "{TOKEN}"}}'))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text("service: svc\nsupports: [linux]\n")
    result = cli("--workdir", work, "build-matrix", "--repo", repo)
    assert result.exit_code == 2 and "source.json: is a symbolic link" in result.stderr
    nowhere_quoted(result)


def test_control_characters_from_a_file_stay_escaped_on_one_line(cli: Cli, tmp_path: Path) -> None:
    data = json.loads(sample_source().to_json())
    data["x\n2026-01-01T00:00:00Z INFO forged\x1b[2J"] = 1
    path = tmp_path / "source.json"
    path.write_text(json.dumps(data))
    result = cli("validate", path)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "x\\n2026-01-01T00:00:00Z INFO forged\\x1b[2J" in line and "\x1b" not in line


# -- files of the repository: a link out of it is refused before anything reads it ------------


def commit_with_link(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, link: str, target: Path
) -> GitRepoBuilder:
    repo = make_repo("repo")
    (repo.root / link).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / link).symlink_to(target)
    repo.commit(
        "a link out of the repository",
        {".cipipe.yaml": "service: svc\nsupports: [linux]\n", "main.cpp": "int main() {}\n"},
    )
    return repo


def test_a_dependency_file_linked_out_of_the_repository_is_not_read(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, work: Path
) -> None:
    target = secret(tmp_path, f"module example.com/x\n{TOKEN} directive\n")
    repo = commit_with_link(make_repo, tmp_path, "go.mod", target)
    result = cli("--workdir", work, "sbom", "--repo", repo.root)
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()[-1]
    assert "go.mod: is a symbolic link that leads outside the repository" in line
    assert "sbom.exclude" in line
    nowhere_quoted(result, work)
    # The control: the same bytes committed as a file are quoted in the parse error.
    (repo.root / "go.mod").unlink()
    repo.commit("a real go.mod", {"go.mod": target.read_text()})
    assert TOKEN in cli("--workdir", work, "sbom", "--repo", repo.root).stderr


def test_a_components_file_linked_out_of_the_repository_is_not_read(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, work: Path
) -> None:
    # Valid components YAML: without the refusal its names would land in sbom.json.
    components = f"components:\n  - {{name: {TOKEN}, version: '1', path: vendor}}\n"
    target = secret(tmp_path, components, "components.yaml")
    repo = commit_with_link(make_repo, tmp_path, "third_party/components.yaml", target)
    result = cli("--workdir", work, "sbom", "--repo", repo.root)
    assert result.exit_code == 2
    assert "third_party/components.yaml: is a symbolic link that leads outside" in result.stderr
    nowhere_quoted(result, work)


def test_a_source_file_linked_out_of_the_repository_is_refused_by_precheck(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    target = secret(tmp_path, f"int {TOKEN.replace('-', '_')}  ( ){{return 1 ;}}\n", "key.cpp")
    repo = commit_with_link(make_repo, tmp_path, "src/evil.cpp", target)
    work = tmp_path / "work"
    result = cli("--workdir", work, "precheck", "--repo", repo.root)
    assert result.exit_code == 2, result.stderr
    assert "src/evil.cpp: is a symbolic link that leads outside" in result.stderr
    assert "precheck.exclude" in result.stderr
    assert TOKEN.replace("-", "_") not in result.stdout + result.stderr
    assert not (work / "source.json").exists() and not (work / "precheck.json").exists()


def test_a_link_inside_the_repository_is_fine(
    cli: Cli, make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("repo")
    repo.commit("code", {".cipipe.yaml": "service: svc\nsupports: [linux]\n", "a.cpp": "int a;\n"})
    (repo.root / "b.cpp").symlink_to("a.cpp")
    repo.commit("an alias")
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.precheck_config import PrecheckConfig
    from cipipe.contracts.source import ChangeBase
    from cipipe.steps.precheck.files import select_files

    git = GitCli(repo.root)
    root = ChangeBase(commit=None, found="root")
    chosen = select_files(git, PrecheckConfig(), scope="all", commit=repo.head(), base=root)
    assert chosen.files == ["a.cpp", "b.cpp"]


def test_a_telemetry_contract_linked_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    from cipipe.contracts.precheck_config import ContractFile
    from cipipe.steps.precheck.telemetry import check_contract_files

    repo = tmp_path / "repo"
    (repo / "telemetry").mkdir(parents=True)
    target = secret(tmp_path, f"{TOKEN}: [unclosed\n", "contract.yaml")
    (repo / "telemetry" / "contract.yaml").symlink_to(target)
    [finding] = check_contract_files(
        repo, [ContractFile(path="telemetry/contract.yaml", keys=["service"])]
    )
    assert finding.rule == "telemetry-contract/unreadable"
    assert "leads outside the repository" in finding.message and TOKEN not in finding.message


def test_a_link_that_stays_in_the_current_folder_is_quoted(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workspace reached through a link keeps its messages whole: the content is its own."""
    real = tmp_path / "data" / "workspace"
    real.mkdir(parents=True)
    (tmp_path / "workspace").symlink_to(real)
    (real / "source.json").write_text('{"schema": "cipipe.source/1", "commit": 7}')
    monkeypatch.chdir(real)
    result = cli("validate", tmp_path / "workspace" / "source.json")
    assert result.exit_code == 2, result.stderr
    assert "detail not shown" not in result.stderr
    assert "workspace/source.json: " in result.stderr
