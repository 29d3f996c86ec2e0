"""yaml-cpp and spdlog (../shared/repos) built for linux, arm and windows by build-matrix and
build on the built-in defaults: the test writes only a .cipipe.yaml naming the platforms and the
artifacts (no toolchain, no versions, no build commands).

The default suite builds what the projects build by default (yaml-cpp: the library and its
three small tools; spdlog: the compiled library and its example); `make test-real` also builds
and runs yaml-cpp's googletest suite (marker real_full), natively and under qemu through ctest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from tests.binformat import imports_dll
from tests.real.projects import (
    PLATFORMS,
    PROJECTS,
    REAL_REPOS_AND_TOOLS,
    Checkout,
    build,
    check_built_for,
    plan,
)

pytestmark = REAL_REPOS_AND_TOOLS


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Checkout]]:
    """One clone and build matrix per project, shared by its three platforms' tests."""
    made: dict[str, Checkout] = {}

    def checkout(name: str) -> Checkout:
        if name not in made:
            project = PROJECTS[name]
            made[name] = plan(project, tmp_path_factory.mktemp(name), project.config())
        return made[name]

    yield checkout


@pytest.mark.parametrize("platform", PLATFORMS)
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
