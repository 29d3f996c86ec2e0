from __future__ import annotations

import importlib
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from pytest_postgresql.janitor import DatabaseJanitor

from cipipe.cli import run
from tests.support.gitrepo import GitRepoBuilder
from tests.support.historydb import Backend
from tests.support.jitdata import missing_reason
from tests.support.pgserver import PgServer, Unavailable, find_bindir, start_server

# Refuses CIPIPE_UPDATE_SNAPSHOTS=1 in CI before any test runs (tests/support/snapshots.py).
pytest_plugins = ["tests.support.snapshots"]

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
    "GITHUB_EVENT_NAME",
    "GIT_URL",
    "GIT_URL_1",
    "BUILD_NUMBER",
    "JENKINS_URL",
    "CIPIPE_WORKDIR",
    "CIPIPE_REPO",
    "CIPIPE_LOG_FORMAT",
    "CIPIPE_POLICY_PIN",
    "CIPIPE_POLICY_DEADLINE",
    "CIPIPE_CACHE_DIR",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests decide what Jenkins looks like; the machine running them must not.
    for var in JENKINS_VARS:
        monkeypatch.delenv(var, raising=False)
    # Nor whether the audit log is signed (CIPIPE_AUDIT_KEY, _PREVIOUS_KEY*, _REQUIRE_...).
    for var in [name for name in os.environ if name.startswith("CIPIPE_AUDIT_")]:
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


# What a folder outside the repository holds, for the tests that a build, test or coverage
# folder reached through a link never empties or overwrites it.
OUTSIDE_SENTINEL = "lives outside the repository\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the repository and the work folder, holding keep.txt."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "keep.txt").write_text(OUTSIDE_SENTINEL)
    return folder


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run cipipe in-process, as ``run(argv)``, and capture what it printed."""

    def invoke(*argv: str | os.PathLike[str]) -> CliResult:
        capsys.readouterr()
        code = run([os.fspath(a) for a in argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


REQUIRE_TOOLS = "CIPIPE_REQUIRE_TOOLS"


def tools_required() -> bool:
    """True in CI (`.ci/run` sets CIPIPE_REQUIRE_TOOLS=1): nothing the suite needs is optional."""
    return os.environ.get(REQUIRE_TOOLS, "").strip() == "1"


def require_or_skip(reason: str) -> NoReturn:
    """Stop a test that needs a tool, peer or data set that is not here.

    On a laptop it is skipped with ``reason``; with CIPIPE_REQUIRE_TOOLS=1 it fails with it,
    so a CI machine that lost PostgreSQL or Chromium cannot pass by running fewer tests.
    """
    if tools_required():
        pytest.fail(f"{reason} ({REQUIRE_TOOLS}=1: CI must run this test)", pytrace=False)
    pytest.skip(reason)


def requires(available: bool, reason: str) -> pytest.MarkDecorator:
    """Mark tests (or a module, as ``pytestmark``) that need a tool, peer or data set:
    when it is not ``available`` they go through ``require_or_skip(reason)`` before any
    fixture is set up."""
    return pytest.mark.requires(available=available, reason=reason)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires"):
        if not mark.kwargs["available"]:
            require_or_skip(mark.kwargs["reason"])


def requires_jit_data(*projects: str) -> pytest.MarkDecorator:
    """``requires`` for the public JIT defect data of ``projects``
    (see tests/support/jitdata.py)."""
    reason = missing_reason(*projects)
    return requires(reason is None, reason or "")


def optional_import(name: str) -> Any:
    """The module, or None when it is not installed (pair it with ``requires``)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


needs_tools = requires(
    have("clang-format", "cppcheck", "clang-tidy"),
    "clang-format, cppcheck and clang-tidy are not installed (make test installs them)",
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


# -- history databases: SQLite, and a real PostgreSQL started once for the session ---------------

_database_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server for the session. Missing binaries skip (fail with CIPIPE_REQUIRE_TOOLS=1); a
    server that will not start fails, so a broken PostgreSQL install cannot hide behind a skip."""
    try:
        server = start_server()
    except Unavailable as exc:
        if find_bindir() is None or "no 'postgres' user" in str(exc):
            require_or_skip(str(exc))
        pytest.fail(f"PostgreSQL did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "history.db"
        yield Backend.sqlite(path)
        return
    server: PgServer = request.getfixturevalue("pg_server")
    dbname = f"cipipe_test_{next(_database_names)}"
    janitor = DatabaseJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        dbname=dbname,
        password=server.password,
    )
    with janitor:
        yield Backend("postgresql", server.url(dbname), server.url(dbname))
