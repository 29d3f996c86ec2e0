"""The sample service finds an installed googletest (Debian's libgtest-dev) instead of compiling
it in every tree; a cross build, which cannot link the host's, compiles it from source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cipipe.adapters.process import find_program
from tests.conftest import SAMPLE_SERVICE, requires

GTEST_PACKAGE = Path("/usr/include/gtest/gtest.h")
GTEST_SOURCES = Path("/usr/src/googletest")
pytestmark = [
    requires(find_program("cmake") is not None, "cmake is not installed"),
    requires(find_program("g++") is not None, "g++ is not installed"),
    requires(GTEST_PACKAGE.exists(), "googletest is not installed (apt-get install libgtest-dev)"),
    requires(GTEST_SOURCES.is_dir(), "googletest sources missing (apt-get install googletest)"),
]


def configure(tmp_path: Path, *options: str) -> tuple[str, Path]:
    source = tmp_path / "sample"
    shutil.copytree(SAMPLE_SERVICE, source, ignore=shutil.ignore_patterns("build"))
    build = tmp_path / "build"
    completed = subprocess.run(
        ["cmake", "-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release", *options],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout, build


def test_linux_uses_the_installed_googletest(tmp_path: Path) -> None:
    # The sources are offered too, as the sample's .cipipe.yaml does: the package still wins.
    output, build = configure(tmp_path, f"-DGTEST_SOURCE_DIR={GTEST_SOURCES}")
    assert "googletest: installed package" in output
    assert not (build / "_deps").exists()
    cache = (build / "CMakeCache.txt").read_text()
    assert "GTest_DIR:PATH=/usr/" in cache


@requires(
    find_program("aarch64-linux-gnu-g++") is not None,
    "the ARM cross compiler is not installed (apt-get install g++-aarch64-linux-gnu)",
)
def test_cross_build_compiles_googletest_from_the_sources(tmp_path: Path) -> None:
    toolchain = SAMPLE_SERVICE / "cmake/toolchains/aarch64-linux-gnu.cmake"
    output, build = configure(
        tmp_path, f"-DCMAKE_TOOLCHAIN_FILE={toolchain}", f"-DGTEST_SOURCE_DIR={GTEST_SOURCES}"
    )
    assert "googletest: compiled from source" in output
    assert (build / "_deps" / "googletest-build").is_dir()
