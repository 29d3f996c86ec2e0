"""cipipe validate on a work folder the real steps made: every file it holds is valid, JFrog's
build-info (with the artifacts publish sent) and the CycloneDX SBOM included."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import CliResult
from tests.probes.golden import Golden

Cli = Callable[..., CliResult]


def test_every_json_file_of_a_real_work_folder_is_valid(cli: Cli, golden: Golden) -> None:
    files = sorted(golden.work.glob("*.json"))
    names = {f.name for f in files}
    assert {"build-info.jfrog.json", "sbom.json", "source.json", "gate.json"} <= names
    result = cli("validate", *files)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    jfrog = golden.work / "build-info.jfrog.json"
    assert f"{jfrog}: valid JFrog build-info 1.0.1" in lines
    assert '"artifacts": [' in jfrog.read_text()  # a module with its artifacts was checked
