"""cipipe build-matrix (seed 3): one build plan per supported platform.

cipipe knows three platforms out of the box and gives each the defaults of a Linux build farm
that cross-compiles: ARM with the Debian aarch64 cross toolchain and its tests under qemu-user,
Windows with mingw-w64 and its tests under wine. A repository overrides any of it under
``platforms:``, and may declare further platforms there in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from cipipe.contracts.matrix import (
    CoveragePlan,
    Matrix,
    PlatformPlan,
    SmokePlan,
    TestPlan,
    ToolchainLock,
)
from cipipe.contracts.repo_config import PlatformConfig, RepoConfig
from cipipe.contracts.source import Source
from cipipe.errors import InputError
from cipipe.identifiers import check_agent_label, check_name


@dataclass(frozen=True)
class PlatformDefaults:
    os: str
    arch: str
    agent: str
    compiler: str
    c_compiler: str
    package: str
    test_runner: str
    emulator: list[str] = field(default_factory=list)


BUILTIN_PLATFORMS: dict[str, PlatformDefaults] = {
    "linux": PlatformDefaults(
        os="linux",
        arch="x86_64",
        agent="linux",
        compiler="g++",
        c_compiler="gcc",
        package="g++",
        test_runner="native",
    ),
    "arm": PlatformDefaults(
        os="linux",
        arch="aarch64",
        agent="linux",
        compiler="aarch64-linux-gnu-g++",
        c_compiler="aarch64-linux-gnu-gcc",
        package="g++-aarch64-linux-gnu",
        test_runner="emulator",
        emulator=["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
    ),
    "windows": PlatformDefaults(
        os="windows",
        arch="x86_64",
        agent="linux",
        compiler="x86_64-w64-mingw32-g++",
        c_compiler="x86_64-w64-mingw32-gcc",
        package="g++-mingw-w64-x86-64",
        test_runner="emulator",
        emulator=["wine"],
    ),
}


def default_build(toolchain_file: str | None) -> list[list[str]]:
    configure = [
        "cmake",
        "-S",
        "{source_dir}",
        "-B",
        "{build_dir}",
        "-DCMAKE_BUILD_TYPE=Release",
        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
    ]
    if toolchain_file:
        configure.append(f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}")
    return [configure, ["cmake", "--build", "{build_dir}", "--parallel"]]


DEFAULT_TESTS = [["ctest", "--test-dir", "{build_dir}", "--output-on-failure"]]


def lock_id(lock: dict[str, object]) -> str:
    canonical = json.dumps(lock, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _plan(
    name: str, index: int, settings: PlatformConfig, config: RepoConfig, config_file: str
) -> PlatformPlan:
    defaults = BUILTIN_PLATFORMS.get(name)
    where = f"platforms.{name}"
    if defaults is None and name not in config.platforms:
        known = ", ".join(sorted(BUILTIN_PLATFORMS))
        raise InputError(
            f"unknown platform {name!r}",
            file=config_file,
            field=f"supports[{index}]",
            expected=f"one of {known}, or a platform declared under platforms:",
        )
    if settings.toolchain is None:
        raise InputError(
            "platform has no toolchain",
            file=config_file,
            field=f"{where}.toolchain",
            expected="a toolchain with at least an exact compiler version",
        )
    os_name = settings.os or (defaults.os if defaults else None)
    arch = settings.arch or (defaults.arch if defaults else None)
    compiler = settings.toolchain.compiler or (defaults.compiler if defaults else None)
    for value, key in ((os_name, "os"), (arch, "arch"), (compiler, "toolchain.compiler")):
        if not value:
            raise InputError(
                "required for a platform cipipe does not know",
                file=config_file,
                field=f"{where}.{key}",
            )
    assert os_name and arch and compiler  # narrowed by the loop above
    tc = settings.toolchain
    lock_fields: dict[str, object] = {
        "compiler": compiler,
        "version": tc.version,
        "c_compiler": tc.c_compiler or (defaults.c_compiler if defaults else None),
        "compile_flags": tc.compile_flags,
        "linker_flags": tc.linker_flags,
        "cmake_toolchain_file": tc.cmake_toolchain_file,
        "package": tc.package or (defaults.package if defaults else None),
    }
    toolchain = ToolchainLock.model_validate({**lock_fields, "lock_id": lock_id(lock_fields)})

    runner = settings.tests.runner or (defaults.test_runner if defaults else "native")
    emulator = settings.tests.emulator
    if emulator is None:
        emulator = defaults.emulator if defaults else []
    if runner == "emulator" and not emulator:
        raise InputError(
            "tests run under an emulator, but none is named",
            file=config_file,
            field=f"{where}.tests.emulator",
            expected="an emulator command, e.g. qemu-aarch64",
        )
    smoke, coverage = settings.tests.smoke, settings.tests.coverage
    tests = TestPlan(
        runner=runner,
        # Kept with runner none too: the smoke test still runs under it.
        emulator=emulator if runner in ("emulator", "none") else [],
        commands=[] if runner == "none" else (settings.tests.commands or DEFAULT_TESTS),
        reason="tests disabled for this platform in .cipipe.yaml" if runner == "none" else None,
        smoke=SmokePlan.model_validate(smoke.model_dump()) if smoke else None,
        coverage=CoveragePlan.model_validate(coverage.model_dump()) if coverage else None,
    )
    return PlatformPlan(
        platform=name,
        os=os_name,
        arch=arch,
        agent=settings.agent or config.agents.get(name) or (defaults.agent if defaults else "any"),
        toolchain=toolchain,
        build_dir=settings.build_dir or f"build/{name}",
        build=settings.build or default_build(tc.cmake_toolchain_file),
        tests=tests,
        artifacts=settings.artifacts if settings.artifacts is not None else ["{build_dir}/bin/*"],
    )


def plan_matrix(config: RepoConfig, source: Source, *, config_file: str) -> Matrix:
    seen: dict[str, int] = {}
    for index, name in enumerate(config.supports):
        if name in seen:
            raise InputError(
                f"platform {name!r} is listed twice (first at supports[{seen[name]}])",
                file=config_file,
                field=f"supports[{index}]",
                expected="each platform once",
            )
        seen[name] = index
    for name in config.platforms:
        if name not in seen:
            raise InputError(
                "settings for a platform that is not in supports",
                file=config_file,
                field=f"platforms.{name}",
                expected=f"{name!r} listed under supports",
            )
    plans = [
        _plan(name, index, config.platforms.get(name, PlatformConfig()), config, config_file)
        for index, name in enumerate(config.supports)
    ]
    return Matrix(service=config.service, commit=source.commit, platforms=plans)


def jenkins_lines(matrix: Matrix) -> str:
    """One ``platform<TAB>agent label`` line per platform, for a Jenkins ``parallel`` block.

    The Jenkinsfile splits these lines and runs ``node(agent) { sh "... ${platform}" }``: a
    newline or tab would make a second stage, a ``;`` or ``$`` a second command. Both values
    were held to cipipe.identifiers when read; they are checked again here, where they become
    Groovy input, so a matrix made any other way cannot slip a line in either.
    """
    lines = []
    for index, plan in enumerate(matrix.platforms):
        where = f"platforms[{index}]"
        platform = check_name(plan.platform, file="matrix.json", field=f"{where}.platform")
        agent = check_agent_label(plan.agent, file="matrix.json", field=f"{where}.agent")
        lines.append(f"{platform}\t{agent}\n")
    return "".join(lines)
