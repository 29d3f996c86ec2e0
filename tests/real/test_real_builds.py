"""yaml-cpp and spdlog (../shared/repos) cross-built for arm and windows by build-matrix and
build on the built-in defaults: the test writes only a .cipipe.yaml naming the platforms and the
artifacts (no toolchain, no versions, no build commands). Their linux build is the one of
`cipipe run` in test_real_run.py, checked the same way there.

The default suite builds what the projects build by default (yaml-cpp: the library and its
three small tools; spdlog: the compiled library and its example) and runs spdlog's example as
its smoke test through `cipipe test` (its unit tests need Catch2 v3, which no registry here
serves); `make test-real` also builds and runs yaml-cpp's googletest suite (marker real_full)
through `cipipe test`, natively and under qemu through ctest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.real.projects import (
    EXE,
    PLATFORMS,
    PROJECTS,
    REAL_REPOS_AND_TOOLS,
    Checkout,
    build,
    check_built_for,
    plan,
)
from tests.support.binformat import imports_dll
from tests.support.inprocess import cipipe

pytestmark = REAL_REPOS_AND_TOOLS
CROSS = [p for p in PLATFORMS if p != "linux"]
# spdlog's example is its smoke test: no unit tests (runner none), the example run on the target
# (under qemu for arm; wine is not installed here, so the Windows one is "not run").
SMOKE = {
    "spdlog": {
        p: ", tests: {runner: none, smoke: {command: '{build_dir}/example/example"
        f"{EXE[p]}', expect_output: 'Welcome to spdlog'}}}}"
        for p in PLATFORMS
    }
}


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Checkout]]:
    """One clone and build matrix per project, shared by its three platforms' tests."""
    made: dict[str, Checkout] = {}

    def checkout(name: str) -> Checkout:
        if name not in made:
            project = PROJECTS[name]
            config = project.config(SMOKE.get(name))
            made[name] = plan(project, tmp_path_factory.mktemp(name), config)
        return made[name]

    yield checkout


@pytest.mark.parametrize("platform", CROSS)
@pytest.mark.parametrize("name", list(PROJECTS))
def test_builds_on_the_defaults(
    checkouts: Callable[[str], Checkout],
    name: str,
    platform: str,
    record_property: Callable[[str, object], None],
) -> None:
    checkout = checkouts(name)
    record, seconds = build(checkout, platform)
    record_property("build_seconds", round(seconds, 1))
    print(f"{name} {platform}: built in {seconds:.1f} s")
    check_built_for(checkout.repo / record["build_dir"], checkout.project, platform)
    lock = next(
        p["toolchain"]
        for p in json.loads((checkout.work / "matrix.json").read_text())["platforms"]
        if p["platform"] == platform
    )
    assert lock["version_source"] == "detected"
    if name == "spdlog" and platform == "windows":
        # The example links only when MINGW is set, which adds ws2_32 (issue 15).
        example = checkout.repo / record["build_dir"] / "example/example.exe"
        assert imports_dll(example, "WS2_32.dll")
    if name == "spdlog":
        check_smoke(checkout, platform)


def check_smoke(checkout: Checkout, platform: str) -> None:
    """`cipipe test --platform`: the example runs as the target runs it, outside the checkout."""
    code = cipipe(
        "--workdir", checkout.work, "test", "--repo", checkout.repo, "--platform", platform
    )
    report = json.loads((checkout.work / "tests.json").read_text())
    [entry] = [p for p in report["platforms"] if p["platform"] == platform]
    smoke = entry["smoke"]
    if platform == "windows" and shutil.which("wine") is None:
        assert smoke["status"] == "not-run" and "wine" in smoke["reason"], smoke
        return
    assert code == 0 and smoke["status"] == "ran" and smoke["passed"], smoke
    # The example writes logs/ where it runs: never in the checkout.
    untracked = subprocess.run(
        ["git", "-C", str(checkout.repo), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    ours = ("build/", ".cipipe.yaml")
    assert not [line for line in untracked if not line[3:].startswith(ours)], untracked
