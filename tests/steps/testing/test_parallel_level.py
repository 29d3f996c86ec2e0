"""ctest runs the tests of a platform in parallel within the CPU budget (CTEST_PARALLEL_LEVEL),
unless the environment already says how many."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cipipe import cpus
from tests.conftest import CliResult, requires
from tests.steps.buildflow import GXX, gxx_linux_config, plan_and_build
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(GXX is not None, "g++ is not installed")

BUILD = 'touch "$1/app"\n'
# A test command that writes down the parallelism it was given (the tests see ctest's env).
TESTS = 'echo "$CTEST_PARALLEL_LEVEL" >"$1/parallel"\n'


@pytest.mark.parametrize(("preset", "expected"), [(None, "3"), ("1", "1")])
def test_tests_get_the_cpu_budget(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    preset: str | None,
    expected: str,
) -> None:
    config = gxx_linux_config(
        "par",
        "{build_dir}/app",
        build=["sh {source_dir}/build.sh {build_dir}"],
        tests={"commands": ["sh {source_dir}/tests.sh {build_dir}"]},
    )
    repo = make_repo("par")
    repo.commit(
        "par", {".cipipe.yaml": yaml.safe_dump(config), "build.sh": BUILD, "tests.sh": TESTS}
    )
    work = plan_and_build(repo.root, tmp_path / "work")
    monkeypatch.setattr(cpus, "usable_cpus", lambda: 3)
    if preset is None:
        monkeypatch.delenv("CTEST_PARALLEL_LEVEL", raising=False)
    else:
        monkeypatch.setenv("CTEST_PARALLEL_LEVEL", preset)
    cli("--workdir", work, "test", "--repo", repo.root)  # the script writes no test report
    assert (repo.root / "build/linux/parallel").read_text().strip() == expected
