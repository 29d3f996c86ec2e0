from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cipipe.cli import run
from tests.gitrepo import GitRepoBuilder

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SERVICE = REPO_ROOT / "examples" / "sample-service"
DATA = Path(__file__).resolve().parent / "data"

JENKINS_VARS = (
    "GIT_COMMIT",
    "GIT_BRANCH",
    "GIT_LOCAL_BRANCH",
    "BRANCH_NAME",
    "CHANGE_ID",
    "CHANGE_TARGET",
    "CHANGE_BRANCH",
    "CHANGE_AUTHOR",
    "CHANGE_AUTHOR_EMAIL",
    "CHANGE_AUTHOR_DISPLAY_NAME",
    "GIT_URL",
    "GIT_URL_1",
    "BUILD_NUMBER",
    "JENKINS_URL",
    "CIPIPE_WORKDIR",
    "CIPIPE_REPO",
    "CIPIPE_LOG_FORMAT",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests decide what Jenkins looks like; the machine running them must not.
    for var in JENKINS_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], GitRepoBuilder]:
    def factory(name: str = "repo") -> GitRepoBuilder:
        return GitRepoBuilder(tmp_path / name)

    return factory


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run cipipe in-process, as ``run(argv)``, and capture what it printed."""

    def invoke(*argv: str | os.PathLike[str]) -> CliResult:
        capsys.readouterr()
        code = run([os.fspath(a) for a in argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


def have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


needs_tools = pytest.mark.skipif(
    not have("clang-format", "cppcheck", "clang-tidy"),
    reason="clang-format, cppcheck and clang-tidy are not installed (make test installs them)",
)


@pytest.fixture
def sample_repo(tmp_path: Path) -> Iterator[GitRepoBuilder]:
    """The sample service in a tmp git repository with two commits."""
    repo = GitRepoBuilder(tmp_path / "sample")
    shutil.copytree(
        SAMPLE_SERVICE, repo.root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("build")
    )
    repo.commit("Add sample service")
    readme = repo.root / "README.md"
    repo.commit("Document the service", {"README.md": readme.read_text() + "\nMore docs.\n"})
    yield repo


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """`make test` says how many malformed inputs the probe corpus tried (tests/probes)."""
    from tests.probes.tally import TALLY

    line = TALLY.summary()
    if line:
        terminalreporter.write_sep("-", line)
