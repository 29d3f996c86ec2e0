"""build-matrix: cipipe's CMake toolchain files for the built-in cross platforms, and toolchain
versions detected from the installed compiler unless .cipipe.yaml pins them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cipipe import toolchains
from cipipe.adapters.toolchain import Compiler
from cipipe.contracts.matrix import Matrix
from cipipe.errors import InputError
from cipipe.steps.build import check_toolchain
from cipipe.steps.build.paths import expand
from cipipe.steps.build.toolchain_file import check_toolchain_file
from cipipe.steps.build_matrix import toolchain_lines
from tests.steps.matrix_plan import plan

VERSIONS = {
    "g++": "12.2.0",
    "aarch64-linux-gnu-g++": "12.2.0",
    "x86_64-w64-mingw32-g++-posix": "12-posix",
}
BARE = "service: svc\nsupports: [linux, arm, windows]\n"


class FakeProbe:
    """The compilers of VERSIONS are installed; records which were asked for."""

    def __init__(self, versions: dict[str, str]) -> None:
        self.versions = versions
        self.asked: list[str] = []

    def __call__(self, executable: str) -> Compiler | None:
        self.asked.append(executable)
        version = self.versions.get(executable)
        if version is None:
            return None
        return Compiler(executable, f"/opt/{executable}", version, f"{executable} {version}")


def never(executable: str) -> Compiler | None:
    raise AssertionError(f"a pinned version must not be probed ({executable})")


def shipped_sha256(name: str) -> str:
    return "sha256:" + hashlib.sha256((toolchains.FOLDER / name).read_bytes()).hexdigest()


def test_builtin_platforms_need_no_toolchain_section() -> None:
    probe = FakeProbe(VERSIONS)
    linux, arm, windows = plan(BARE, probe).platforms
    assert probe.asked == list(VERSIONS)
    assert [(p.toolchain.version, p.toolchain.version_source) for p in (linux, arm, windows)] == [
        ("12.2.0", "detected"),
        ("12.2.0", "detected"),
        ("12-posix", "detected"),
    ]
    assert windows.toolchain.compiler == "x86_64-w64-mingw32-g++-posix"
    assert windows.toolchain.c_compiler == "x86_64-w64-mingw32-gcc-posix"


def test_cross_platforms_build_with_the_shipped_toolchain_files() -> None:
    linux, arm, windows = plan(BARE, FakeProbe(VERSIONS)).platforms
    for p, name in ((arm, "aarch64-linux-gnu.cmake"), (windows, "x86_64-w64-mingw32.cmake")):
        assert p.toolchain.cmake_toolchain_file == f"cipipe:{name}"
        assert p.toolchain.cmake_toolchain_sha256 == shipped_sha256(name)
        assert f"-DCMAKE_TOOLCHAIN_FILE={{cipipe_toolchains}}/{name}" in p.build[0]
    assert linux.toolchain.cmake_toolchain_file is None
    assert not any("CMAKE_TOOLCHAIN_FILE" in a for a in linux.build[0])


def test_the_matrix_holds_no_install_path_and_locks_agree_with_a_pin() -> None:
    detected = plan(BARE, FakeProbe(VERSIONS))
    assert str(toolchains.FOLDER) not in detected.to_json()
    assert "/opt/" not in detected.to_json()
    pinned = plan(
        BARE
        + "platforms:\n"
        + "".join(
            f"  {name}: {{toolchain: {{version: '{version}'}}}}\n"
            for name, version in zip(("linux", "arm", "windows"), VERSIONS.values(), strict=True)
        ),
        never,
    )
    assert [p.toolchain.version_source for p in pinned.platforms] == ["pinned"] * 3
    # How the version was learned does not change what is built: the lock ids are equal.
    assert [p.toolchain.lock_id for p in pinned.platforms] == [
        p.toolchain.lock_id for p in detected.platforms
    ]


def test_a_missing_compiler_is_locked_as_not_installed() -> None:
    only_gcc = FakeProbe({"g++": "12.2.0"})
    matrix = plan(BARE, only_gcc)
    arm = matrix.platforms[1]
    assert (arm.toolchain.version, arm.toolchain.version_source) == (None, "not-installed")
    lines = toolchain_lines(matrix)
    assert lines[0] == "linux: g++ 12.2.0 (detected)"
    assert "apt-get install g++-aarch64-linux-gnu" in lines[1]
    assert "apt-get install g++-mingw-w64-x86-64-posix" in lines[2]


def test_toolchain_lines_say_pinned_or_detected() -> None:
    matrix = plan(
        "service: svc\nsupports: [linux, arm]\nplatforms: {arm: {toolchain: {version: '12.2.0'}}}",
        FakeProbe(VERSIONS),
    )
    assert toolchain_lines(matrix) == [
        "linux: g++ 12.2.0 (detected)",
        "arm: aarch64-linux-gnu-g++ 12.2.0 (pinned in .cipipe.yaml), "
        "CMake toolchain cipipe:aarch64-linux-gnu.cmake",
    ]


def test_the_repository_toolchain_file_wins() -> None:
    [arm] = plan(
        "service: svc\nsupports: [arm]\n"
        "platforms: {arm: {toolchain: {cmake_toolchain_file: cmake/arm.cmake}}}",
        FakeProbe(VERSIONS),
    ).platforms
    assert arm.toolchain.cmake_toolchain_file == "cmake/arm.cmake"
    assert arm.toolchain.cmake_toolchain_sha256 is None
    assert "-DCMAKE_TOOLCHAIN_FILE=cmake/arm.cmake" in arm.build[0]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        ("[make]", None),
        (
            "['cmake -S {source_dir} -B {build_dir} "
            "-DCMAKE_TOOLCHAIN_FILE={cipipe_toolchains}/aarch64-linux-gnu.cmake']",
            "cipipe:aarch64-linux-gnu.cmake",
        ),
    ],
)
def test_own_build_commands_lock_the_shipped_file_only_when_they_use_it(
    build: str, expected: str | None
) -> None:
    [arm] = plan(
        f"service: svc\nsupports: [arm]\nplatforms: {{arm: {{build: {build}}}}}",
        FakeProbe(VERSIONS),
    ).platforms
    assert arm.toolchain.cmake_toolchain_file == expected


def test_a_platform_cipipe_does_not_know_may_leave_its_version_to_detection() -> None:
    [riscv] = plan(
        "service: svc\nsupports: [riscv]\n"
        "platforms: {riscv: {os: linux, arch: riscv64, toolchain: {compiler: rv-g++}}}",
        FakeProbe({"rv-g++": "13.1.0"}),
    ).platforms
    assert (riscv.toolchain.version, riscv.toolchain.version_source) == ("13.1.0", "detected")
    assert riscv.toolchain.cmake_toolchain_file is None


def test_expand_names_the_installed_toolchain_folder(tmp_path: Path) -> None:
    [_, arm, _] = plan(BARE, FakeProbe(VERSIONS)).platforms
    flag = expand(arm.build[0][-1], source_dir=tmp_path, build_dir=tmp_path, platform="arm")
    path = Path(flag.removeprefix("-DCMAKE_TOOLCHAIN_FILE="))
    assert path.is_absolute() and path.is_file()
    assert "set(CMAKE_SYSTEM_PROCESSOR aarch64)" in path.read_text()


def test_build_refuses_a_toolchain_file_other_than_the_locked_one() -> None:
    matrix: Matrix = plan(BARE, FakeProbe(VERSIONS))
    lock = matrix.platforms[1].toolchain
    check_toolchain_file(lock, "platforms[1].toolchain")
    changed = lock.model_copy(update={"cmake_toolchain_sha256": "sha256:" + "0" * 64})
    with pytest.raises(InputError) as info:
        check_toolchain_file(changed, "platforms[1].toolchain")
    assert info.value.field == "platforms[1].toolchain.cmake_toolchain_sha256"
    assert "as locked" in str(info.value)
    gone = lock.model_copy(update={"cmake_toolchain_file": "cipipe:gone.cmake"})
    with pytest.raises(InputError, match="is not shipped by this cipipe"):
        check_toolchain_file(gone, "platforms[1].toolchain")


def test_the_toolchain_files_are_package_data() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"toolchains/*.cmake"' in pyproject
    assert [p.name for p in toolchains.shipped_files()] == [
        "aarch64-linux-gnu.cmake",
        "x86_64-w64-mingw32.cmake",
    ]


def test_build_refuses_a_lock_planned_without_the_compiler() -> None:
    matrix = plan(BARE, FakeProbe({"g++": "12.2.0"}))
    arm = matrix.platforms[1]
    installed_now = FakeProbe(VERSIONS)
    with pytest.raises(InputError) as info:
        check_toolchain(arm, 1, installed_now, skip_missing=False)
    assert info.value.field == "platforms[1].toolchain.version"
    assert "was not installed where build-matrix ran" in str(info.value)
    # Still missing on the agent: skipped (or exit 2) with the package, as for a pinned lock.
    reason = check_toolchain(arm, 1, FakeProbe({}), skip_missing=True)
    assert (
        reason == "aarch64-linux-gnu-g++ is not installed (apt-get install g++-aarch64-linux-gnu)"
    )
