from __future__ import annotations

import pytest

from cipipe.errors import InputError
from cipipe.steps.build_matrix import jenkins_lines, plan_matrix
from tests.steps.matrix_plan import SOURCE, plan

THREE = """
service: svc
supports: [linux, arm, windows]
platforms:
  linux: {toolchain: {version: "12.2.0"}}
  arm: {toolchain: {version: "12.2.0"}}
  windows: {toolchain: {version: "12-win32"}}
"""


def test_defaults_for_the_three_builtin_platforms() -> None:
    matrix = plan(THREE)
    assert [p.platform for p in matrix.platforms] == ["linux", "arm", "windows"]
    linux, arm, windows = matrix.platforms
    assert (linux.toolchain.compiler, linux.tests.runner, linux.tests.emulator) == (
        "g++",
        "native",
        [],
    )
    assert arm.toolchain.compiler == "aarch64-linux-gnu-g++"
    assert arm.toolchain.package == "g++-aarch64-linux-gnu"
    assert arm.tests.runner == "emulator"
    assert arm.tests.emulator == ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]
    assert (windows.os, windows.toolchain.compiler) == ("windows", "x86_64-w64-mingw32-g++-posix")
    assert windows.toolchain.package == "g++-mingw-w64-x86-64-posix"
    assert windows.tests.emulator == ["wine"]
    assert linux.build[0][:5] == ["cmake", "-S", "{source_dir}", "-B", "{build_dir}"]
    assert linux.build_dir == "build/linux"
    assert matrix.commit == "a" * 40 and matrix.service == "svc"


def test_lock_id_changes_with_the_toolchain_only() -> None:
    first = plan(THREE).platforms[0].toolchain.lock_id
    again = plan(THREE).platforms[0].toolchain.lock_id
    bumped = plan(
        THREE.replace(
            'linux: {toolchain: {version: "12.2.0"}}', 'linux: {toolchain: {version: "12.3.0"}}'
        )
    ).platforms[0]
    assert first == again != bumped.toolchain.lock_id
    assert first.startswith("sha256:")


def test_overrides_agent_mapping_commands_and_runner() -> None:
    matrix = plan("""
service: svc
supports: [arm]
agents: {arm: "arm64 && native"}
platforms:
  arm:
    toolchain: {compiler: g++, version: "12.2.0", linker_flags: ["-Wl,-O1"]}
    build: ["make -C {source_dir} OUT='{build_dir}/out dir'"]
    tests: {runner: native, commands: ["{build_dir}/tests --gtest_output=xml:{build_dir}/t.xml"]}
    artifacts: ["{build_dir}/out dir/*.bin"]
""")
    [arm] = matrix.platforms
    assert arm.agent == "arm64 && native"
    assert arm.toolchain.linker_flags == ["-Wl,-O1"]
    assert arm.build == [["make", "-C", "{source_dir}", "OUT={build_dir}/out dir"]]
    assert arm.tests.runner == "native" and arm.tests.emulator == []
    assert arm.tests.commands == [["{build_dir}/tests", "--gtest_output=xml:{build_dir}/t.xml"]]


def test_tests_disabled_platform() -> None:
    [win] = plan("""
service: svc
supports: [windows]
platforms: {windows: {toolchain: {version: "12"}, tests: {runner: none}}}
""").platforms
    assert win.tests.runner == "none" and win.tests.commands == []
    assert "disabled" in (win.tests.reason or "")


def test_custom_platform_declared_in_full() -> None:
    [riscv] = plan("""
service: svc
supports: [riscv]
platforms:
  riscv:
    os: linux
    arch: riscv64
    toolchain: {compiler: riscv64-linux-gnu-g++, version: "12.2.0"}
    tests: {runner: emulator, emulator: qemu-riscv64 -L /usr/riscv64-linux-gnu}
""").platforms
    assert riscv.agent == "any"
    assert riscv.tests.emulator == ["qemu-riscv64", "-L", "/usr/riscv64-linux-gnu"]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (
            "service: s\nsupports: [linux, sparc]\nplatforms: {linux: {toolchain: {version: '1'}}}",
            "supports[1]",
            "unknown platform 'sparc'",
        ),
        (
            "service: s\nsupports: [linux, linux]\nplatforms: {linux: {toolchain: {version: '1'}}}",
            "supports[1]",
            "listed twice",
        ),
        (
            "service: s\nsupports: [x]\nplatforms: {x: {os: linux, arch: a}}",
            "platforms.x.toolchain",
            "no toolchain",
        ),
        (
            "service: s\nsupports: [arm]\n"
            "platforms: {arm: {toolchain: {cmake_toolchain_file: 'cipipe:nope.cmake'}}}",
            "platforms.arm.toolchain.cmake_toolchain_file",
            "cipipe ships no toolchain file 'cipipe:nope.cmake'",
        ),
        (
            "service: s\nsupports: [arm]\n"
            "platforms: {arm: {toolchain: {cmake_toolchain_file: 'cipipe:../x.cmake'}}}",
            "platforms.arm.toolchain.cmake_toolchain_file",
            "cipipe ships no toolchain file",
        ),
        (
            "service: s\nsupports: [linux]\nplatforms: {linux: {toolchain: {version: '1'}}, "
            "arm: {toolchain: {version: '1'}}}",
            "platforms.arm",
            "not in supports",
        ),
        (
            "service: s\nsupports: [x]\nplatforms: {x: {toolchain: {version: '1'}}}",
            "platforms.x.os",
            "does not know",
        ),
        (
            "service: s\nsupports: [x]\nplatforms: {x: {os: linux, arch: a, "
            "toolchain: {version: '1', compiler: cc}, tests: {runner: emulator}}}",
            "platforms.x.tests.emulator",
            "emulator",
        ),
    ],
)
def test_bad_matrix_names_the_key(text: str, field: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        plan(text)
    assert info.value.field == field
    assert info.value.file == ".cipipe.yaml"
    assert words in str(info.value)


def test_jenkins_lines() -> None:
    assert jenkins_lines(plan(THREE)) == "linux\tlinux\narm\tlinux\nwindows\tlinux\n"


def test_sample_service_matrix_matches_its_golden_file() -> None:
    from cipipe.contracts.repo_config import load_repo_config
    from tests.conftest import SAMPLE_SERVICE
    from tests.support.snapshots import assert_snapshot_text

    path = SAMPLE_SERVICE / ".cipipe.yaml"
    matrix = plan_matrix(load_repo_config(path), SOURCE, config_file=str(path))
    assert_snapshot_text("sample-service.matrix.json", matrix.to_json())


@pytest.mark.parametrize(
    ("platform_settings", "field", "words"),
    [
        ("build_dir: ../outside", "platforms.linux.build_dir", "leaves the repository"),
        ("build_dir: /tmp/abs", "platforms.linux.build_dir", "leaves the repository"),
        ("artifacts: ['{build_dir}/../../etc/*']", "platforms.linux.artifacts[0]", "leaves"),
        ("build: ['make {out_dir}']", "platforms.linux.build[0]", "unknown placeholder {out_dir}"),
        ("tests: {commands: ['t {nope}']}", "platforms.linux.tests.commands[0]", "{nope}"),
        ("build: ['make \"unterminated']", "platforms.linux.build[0]", "cannot split command"),
    ],
)
def test_config_paths_and_commands_are_checked(
    platform_settings: str, field: str, words: str
) -> None:
    text = (
        "service: s\nsupports: [linux]\nplatforms:\n  linux:\n"
        f"    toolchain: {{version: '1'}}\n    {platform_settings}\n"
    )
    with pytest.raises(InputError) as info:
        plan(text)
    assert info.value.field == field
    assert words in str(info.value)
