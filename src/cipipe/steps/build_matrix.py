"""cipipe build-matrix (seed 3): one build plan per supported platform.

cipipe knows three platforms out of the box and gives each the defaults of a Linux build farm
that cross-compiles: ARM with the Debian aarch64 cross toolchain and its tests under qemu-user,
Windows with mingw-w64 and its tests under wine. A repository overrides any of it under
``platforms:``, and may declare further platforms there in full.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cipipe import toolchains
from cipipe.adapters.toolchain import Compiler, probe_compiler
from cipipe.contracts.matrix import (
    CoveragePlan,
    Matrix,
    PlatformPlan,
    SmokePlan,
    TestPlan,
    ToolchainLock,
)
from cipipe.contracts.repo_config import PlatformConfig, RepoConfig, ToolchainConfig
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
    cmake_toolchain_file: str | None = None


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
        cmake_toolchain_file=toolchains.reference("aarch64-linux-gnu.cmake"),
    ),
    "windows": PlatformDefaults(
        os="windows",
        arch="x86_64",
        agent="linux",
        # The posix-threads flavour: with GCC < 13 only it has std::thread and std::mutex.
        compiler="x86_64-w64-mingw32-g++-posix",
        c_compiler="x86_64-w64-mingw32-gcc-posix",
        package="g++-mingw-w64-x86-64-posix",
        test_runner="emulator",
        emulator=["wine"],
        cmake_toolchain_file=toolchains.reference("x86_64-w64-mingw32.cmake"),
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
        path = (
            toolchains.command_path(toolchain_file)
            if toolchains.is_builtin(toolchain_file)
            else toolchain_file
        )
        configure.append(f"-DCMAKE_TOOLCHAIN_FILE={path}")
    return [configure, ["cmake", "--build", "{build_dir}", "--parallel"]]


DEFAULT_TESTS = [["ctest", "--test-dir", "{build_dir}", "--output-on-failure"]]

Probe = Callable[[str], Compiler | None]


def lock_id(lock: dict[str, object]) -> str:
    canonical = json.dumps(lock, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _toolchain_file(
    tc: ToolchainConfig,
    defaults: PlatformDefaults | None,
    settings: PlatformConfig,
    where: tuple[str, str],
) -> tuple[str | None, str | None]:
    """The toolchain file the build uses and, for one cipipe ships, its sha256.

    The repository's own file wins. cipipe's file for a built-in platform is used by the
    default build commands, or by the repository's commands when they name
    ``{cipipe_toolchains}``; commands that do neither do not get it in their lock.
    """
    chosen = tc.cmake_toolchain_file
    if chosen is None and defaults is not None:
        commands = settings.build or []
        if settings.build is None or any(toolchains.PLACEHOLDER in a for c in commands for a in c):
            chosen = defaults.cmake_toolchain_file
    if chosen is None or not toolchains.is_builtin(chosen):
        return chosen, None
    try:
        digest = toolchains.sha256(chosen)
    except ValueError:
        digest = None
    if digest is None:
        raise InputError(
            f"cipipe ships no toolchain file {chosen!r}",
            file=where[0],
            field=f"{where[1]}.toolchain.cmake_toolchain_file",
            expected="a file relative to the repository, or one of "
            + ", ".join(toolchains.reference(p.name) for p in toolchains.shipped_files()),
        )
    return chosen, digest


def _toolchain_lock(
    tc: ToolchainConfig,
    compiler: str,
    defaults: PlatformDefaults | None,
    settings: PlatformConfig,
    where: tuple[str, str],
    probe: Probe,
) -> ToolchainLock:
    """The lock: a pinned version as given, else the version the installed compiler reports.

    A compiler that is not installed here still gets a lock (version null), which build
    reports as a missing toolchain with its package, as for a pinned one.
    """
    version, source = tc.version, "pinned"
    if version is None:
        found = probe(compiler)
        version, source = (found.version, "detected") if found else (None, "not-installed")
    toolchain_file, toolchain_sha256 = _toolchain_file(tc, defaults, settings, where)
    lock_fields: dict[str, object] = {
        "compiler": compiler,
        "version": version,
        "c_compiler": tc.c_compiler or (defaults.c_compiler if defaults else None),
        "compile_flags": tc.compile_flags,
        "linker_flags": tc.linker_flags,
        "cmake_toolchain_file": toolchain_file,
        "cmake_toolchain_sha256": toolchain_sha256,
        "package": tc.package or (defaults.package if defaults else None),
    }
    return ToolchainLock.model_validate(
        {**lock_fields, "lock_id": lock_id(lock_fields), "version_source": source}
    )


def _check_known(name: str, index: int, config: RepoConfig, config_file: str) -> None:
    if name not in BUILTIN_PLATFORMS and name not in config.platforms:
        known = ", ".join(sorted(BUILTIN_PLATFORMS))
        raise InputError(
            f"unknown platform {name!r}",
            file=config_file,
            field=f"supports[{index}]",
            expected=f"one of {known}, or a platform declared under platforms:",
        )


def _test_plan(
    name: str, settings: PlatformConfig, defaults: PlatformDefaults | None, config_file: str
) -> TestPlan:
    runner = settings.tests.runner or (defaults.test_runner if defaults else "native")
    emulator = settings.tests.emulator
    if emulator is None:
        emulator = defaults.emulator if defaults else []
    if runner == "emulator" and not emulator:
        raise InputError(
            "tests run under an emulator, but none is named",
            file=config_file,
            field=f"platforms.{name}.tests.emulator",
            expected="an emulator command, e.g. qemu-aarch64",
        )
    smoke, coverage = settings.tests.smoke, settings.tests.coverage
    return TestPlan(
        runner=runner,
        # Kept with runner none too: the smoke test still runs under it.
        emulator=emulator if runner in ("emulator", "none") else [],
        commands=[] if runner == "none" else (settings.tests.commands or DEFAULT_TESTS),
        reason="tests disabled for this platform in .cipipe.yaml" if runner == "none" else None,
        smoke=SmokePlan.model_validate(smoke.model_dump()) if smoke else None,
        coverage=CoveragePlan.model_validate(coverage.model_dump()) if coverage else None,
    )


def _plan(
    name: str,
    index: int,
    settings: PlatformConfig,
    config: RepoConfig,
    config_file: str,
    probe: Probe,
) -> PlatformPlan:
    _check_known(name, index, config, config_file)
    defaults = BUILTIN_PLATFORMS.get(name)
    where = f"platforms.{name}"
    # A built-in platform needs no toolchain: section; one cipipe does not know names its compiler.
    tc = settings.toolchain or ToolchainConfig()
    if settings.toolchain is None and defaults is None:
        raise InputError(
            "platform has no toolchain",
            file=config_file,
            field=f"{where}.toolchain",
            expected="a toolchain with at least a compiler",
        )
    os_name = settings.os or (defaults.os if defaults else None)
    arch = settings.arch or (defaults.arch if defaults else None)
    compiler = tc.compiler or (defaults.compiler if defaults else None)
    for value, key in ((os_name, "os"), (arch, "arch"), (compiler, "toolchain.compiler")):
        if not value:
            raise InputError(
                "required for a platform cipipe does not know",
                file=config_file,
                field=f"{where}.{key}",
            )
    assert os_name and arch and compiler  # narrowed by the loop above
    toolchain = _toolchain_lock(tc, compiler, defaults, settings, (config_file, where), probe)
    return PlatformPlan(
        platform=name,
        os=os_name,
        arch=arch,
        agent=settings.agent or config.agents.get(name) or (defaults.agent if defaults else "any"),
        toolchain=toolchain,
        build_dir=settings.build_dir or f"build/{name}",
        build=settings.build or default_build(toolchain.cmake_toolchain_file),
        tests=_test_plan(name, settings, defaults, config_file),
        artifacts=settings.artifacts if settings.artifacts is not None else ["{build_dir}/bin/*"],
    )


def plan_matrix(
    config: RepoConfig, source: Source, *, config_file: str, probe: Probe = probe_compiler
) -> Matrix:
    """The matrix; a compiler whose version is not pinned is asked for it with ``probe``."""
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
        _plan(name, index, config.platforms.get(name, PlatformConfig()), config, config_file, probe)
        for index, name in enumerate(config.supports)
    ]
    return Matrix(service=config.service, commit=source.commit, platforms=plans)


def toolchain_lines(matrix: Matrix) -> list[str]:
    """One line per platform: its compiler, the version locked and where that came from."""
    lines = []
    for plan in matrix.platforms:
        lock = plan.toolchain
        if lock.version_source == "not-installed":
            install = f"apt-get install {lock.package}" if lock.package else "install it"
            state = f"not installed here ({install}); build will report it"
        else:
            how = "detected" if lock.version_source == "detected" else "pinned in .cipipe.yaml"
            state = f"{lock.version} ({how})"
        toolchain_file = f", CMake toolchain {lock.cmake_toolchain_file}"
        lines.append(
            f"{plan.platform}: {lock.compiler} {state}"
            + (toolchain_file if lock.cmake_toolchain_file else "")
        )
    return lines


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
