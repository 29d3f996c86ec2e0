"""The readers of other tools' files keep the limits of cipipe's own: a repository's telemetry
contract, an OSV folder, scanner reports, dependency manifests and a labelled history cannot
hang a step or crash it, whatever stands where a file should be."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.contracts.precheck_config import ContractFile
from cipipe.errors import InputError
from cipipe.readers.deps import DependencyFileError
from cipipe.readers.deps.cyclonedx_json import parse as parse_cyclonedx
from cipipe.readers.grype import GrypeJsonError, parse_grype_json
from cipipe.readers.osv import OsvError, advisory_from_json, osv_document
from cipipe.readers.trivy import TrivyJsonError, parse_trivy_json
from cipipe.risk.history_table import load_history
from cipipe.steps.precheck.telemetry import RULE_UNREADABLE, check_contract_files
from cipipe.steps.scan.dump import load_osv_directory
from cipipe.steps.scan.execute import _report_drafts
from tests.conftest import CliResult
from tests.support.gitrepo import GitRepoBuilder
from tests.support.hangs import BILLION_LAUGHS, STEP_HANG_SECONDS, no_hang, unblocking

Cli = Callable[..., CliResult]
DEEP = "[" * 100_000 + "]" * 100_000
SBOM = '{"bomFormat": "CycloneDX", "specVersion": "1.6", '


# -- precheck's telemetry contract: the project's own files, any keys, the same limits --------


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("contract.yaml", BILLION_LAUGHS, "aliases expand"),
        ("contract.yaml", "a: " + "[" * 5000, "nested more than"),
        ("contract.json", DEEP, "nested too deeply"),
        ("contract.json", '{"a": ' + "9" * 5000 + "}", "invalid JSON"),
    ],
)
def test_a_hostile_contract_file_is_a_finding(
    tmp_path: Path, name: str, content: str, needle: str
) -> None:
    (tmp_path / name).write_text(content)
    with no_hang():
        [finding] = check_contract_files(tmp_path, [ContractFile(path=name, keys=["a"])])
    assert finding.rule == RULE_UNREADABLE
    assert needle in finding.message


def test_a_contract_file_may_have_number_keys(tmp_path: Path) -> None:
    (tmp_path / "alerts.yaml").write_text("codes:\n  200: ok\n")
    assert check_contract_files(tmp_path, [ContractFile(path="alerts.yaml", keys=["codes"])]) == []


# -- scan: the OSV folder and scanner reports -------------------------------------------------


def test_a_fifo_in_the_osv_folder_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "osv"
    folder.mkdir()
    os.mkfifo(folder / "GHSA-fifo.json")
    with unblocking(folder / "GHSA-fifo.json"), no_hang():
        index = load_osv_directory(folder)
    assert any("GHSA-fifo.json" in w and "not a regular file" in w for w in index.warnings)


def test_a_too_deep_file_in_the_osv_folder_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "GHSA-deep.json").write_text(DEEP)
    (folder / "GHSA-huge.json").write_text('{"id": ' + "1" * 5000 + "}")
    index = load_osv_directory(folder)
    assert len(index) == 0
    assert sorted(w.split(": ", 1)[1][:18] for w in index.warnings) == ["malformed OSV JSON"] * 2


def _parse_osv(text: str) -> object:
    return advisory_from_json(osv_document(text))


@pytest.mark.parametrize(
    ("parse", "error"),
    [
        (parse_grype_json, GrypeJsonError),
        (parse_trivy_json, TrivyJsonError),
        (_parse_osv, OsvError),
    ],
)
@pytest.mark.parametrize("text", [DEEP, '{"matches": ' + "1" * 5000 + "}"])
def test_unreadable_reports_are_report_errors(
    parse: Callable[[str], object], error: type[Exception], text: str
) -> None:
    with pytest.raises(error):
        parse(text)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (DEEP, "nested too deeply"),
        (SBOM + '"version": NaN}', "version: got NaN"),
        (SBOM + '"serialNumber": "\\u0000"}', "NUL"),
        (SBOM + '"components": ' + "[" * 100 + "]" * 100 + "}", "nested more than"),
    ],
)
def test_an_sbom_keeps_the_limits_of_cipipe_files(text: str, needle: str) -> None:
    with pytest.raises(DependencyFileError, match=needle):
        parse_cyclonedx(text)


def test_a_grype_report_that_is_a_fifo_is_refused_unread(tmp_path: Path) -> None:
    report = tmp_path / "grype.json"
    os.mkfifo(report)
    with unblocking(report), no_hang(), pytest.raises(InputError, match="FIFO"):
        _report_drafts([report], parse_grype_json, [])


# -- sbom: a tracked symlink in place of a manifest ------------------------------------------


def test_a_manifest_linked_to_dev_zero_is_exit_2(
    cli: Cli, make_repo: Callable[..., GitRepoBuilder], tmp_path: Path
) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": "service: svc\nsupports: [linux]\n"})
    (repo.root / "conanfile.txt").symlink_to("/dev/zero")
    repo.commit("a manifest that never ends")
    work = tmp_path / "work"
    assert cli("--workdir", work, "precheck", "--repo", repo.root).exit_code in (0, 1)
    with no_hang(STEP_HANG_SECONDS):
        result = cli("--workdir", work, "sbom", "--repo", repo.root)
    assert result.exit_code == 2, result.stderr
    # Refused before it is opened: the link leads outside the repository.
    assert "conanfile.txt: is a symbolic link that leads outside the repository" in result.stderr
    assert not (work / "sbom.json").exists()


def test_a_manifest_linked_to_a_fifo_inside_the_repository_is_exit_2(
    cli: Cli, make_repo: Callable[..., GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("svc")
    repo.commit("init", {".cipipe.yaml": "service: svc\nsupports: [linux]\n"})
    (repo.root / "conanfile.txt").symlink_to("pipe")  # inside: only the reader can refuse it
    repo.commit("a manifest that is a pipe")
    os.mkfifo(repo.root / "pipe")
    work = tmp_path / "work"
    assert cli("--workdir", work, "precheck", "--repo", repo.root).exit_code in (0, 1)
    with no_hang(STEP_HANG_SECONDS):
        result = cli("--workdir", work, "sbom", "--repo", repo.root)
    assert result.exit_code == 2, result.stderr
    # Reached through a link, so the message keeps only the name and what was expected.
    assert "conanfile.txt: " in result.stderr and "(expected a regular file)" in result.stderr
    assert not (work / "sbom.json").exists()


# -- backtest: a labelled history ------------------------------------------------------------


def test_a_deep_history_line_is_a_bad_row(tmp_path: Path) -> None:
    good = '{"time": 1767225600, "failed": 0, "lines_added": 3}\n'
    path = tmp_path / "history.jsonl"
    path.write_text(good + DEEP + "\n" + '{"time": 1, "failed": ' + "9" * 5000 + "}\n" + good)
    table = load_history(path, label="failed", time="time")
    assert len(table) == 2
    assert [b.reason for b in table.bad_rows][:2] == [
        "line 2: not JSON a history can hold",
        "line 3: not JSON a history can hold",
    ]


def test_a_history_that_is_not_utf8_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(b"time,failed\n1,0\n\xff\xfe,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_history(path, label="failed", time="time")
