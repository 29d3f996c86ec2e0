"""cipipe run end to end on the sample service, in a tmp git repository with two commits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult, needs_tools
from tests.gitrepo import GitRepoBuilder


@needs_tools
def test_run_on_the_sample_service(
    cli: Callable[..., CliResult], sample_repo: GitRepoBuilder, tmp_path: Path
) -> None:
    work = tmp_path / "out"
    result = cli("--workdir", work, "run", "--repo", sample_repo.root)
    assert result.exit_code == 0, result.stderr
    for name in ("source.json", "precheck.json", "precheck.sarif", "matrix.json"):
        assert (work / name).is_file(), name
        if name.endswith(".json"):
            assert cli("validate", work / name).exit_code == 0
    source = json.loads((work / "source.json").read_text())
    assert source["commit"] == sample_repo.head()
    assert source["message"] == "Document the service"
    precheck = json.loads((work / "precheck.json").read_text())
    assert precheck["outcome"] == "passed", precheck["blocking_failures"]
    assert {c["name"]: c["status"] for c in precheck["checks"]} == {
        "clang-format": "ran",
        "cppcheck": "ran",
        "clang-tidy": "ran",
        "telemetry-contract": "ran",
    }
    matrix = json.loads((work / "matrix.json").read_text())
    assert [p["platform"] for p in matrix["platforms"]] == ["linux", "arm", "windows"]
    assert "precheck" in result.stdout and "build-matrix" in result.stdout
    assert f"outputs: {work.resolve()}" in result.stdout


def test_run_stops_at_the_first_failing_step(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit("no config", {"main.c": "int main(void) { return 0; }\n"})
    work = tmp_path / "out"
    result = cli("--workdir", work, "run", "--repo", repo.root)
    assert result.exit_code == 2
    assert "precheck" in result.stdout and "build-matrix" not in result.stdout
    assert ".cipipe.yaml: file not found" in result.stderr
