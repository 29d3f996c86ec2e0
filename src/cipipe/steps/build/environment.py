"""The deterministic build environment (seed 4.1: build with deterministic flags).

Everything that could make two builds of one commit differ is pinned: the clock
(SOURCE_DATE_EPOCH, which GCC also uses for __DATE__ and __TIME__), the time zone, the locale,
the umask, and the absolute paths of the source and build folders (-ffile-prefix-map).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe import __version__
from cipipe.adapters.toolchain import Compiler
from cipipe.contracts.artifacts import BuildEnvironment, CompilerFound
from cipipe.contracts.matrix import ToolchainLock
from cipipe.logs import SECRET_NAME

# Recorded in artifacts.json; everything else in the environment stays out of the outputs.
RECORDED_ENV = (
    "CC",
    "CXX",
    "CFLAGS",
    "CXXFLAGS",
    "LDFLAGS",
    "SOURCE_DATE_EPOCH",
    "TZ",
    "LC_ALL",
    "BUILD_NUMBER",
    "BUILD_ID",
    "JOB_NAME",
    "NODE_NAME",
    "NODE_LABELS",
    "EXECUTOR_NUMBER",
    "BRANCH_NAME",
    "CHANGE_ID",
    "GIT_COMMIT",
)


@dataclass(frozen=True)
class BuildSettings:
    env: dict[str, str]
    compile_flags: list[str]
    linker_flags: list[str]
    source_date_epoch: int


def build_settings(
    toolchain: ToolchainLock,
    *,
    source_dir: Path,
    build_dir: Path,
    source_date_epoch: int,
    base_env: Mapping[str, str],
    extra_compile_flags: list[str] | None = None,
    extra_linker_flags: list[str] | None = None,
    jobs: int | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> BuildSettings:
    """The pinned environment of one build; ``jobs``: its share of the CPU budget, given to
    ``cmake --build --parallel`` (without a number it runs make -j unbounded) and ctest;
    ``extra_env``: the compiler cache's settings."""
    prefix_maps = [
        f"-ffile-prefix-map={source_dir}=.",
        # Later maps win in GCC and Clang: the build folder, inside or outside the sources,
        # is recorded under one fixed name, so builds in other folders give the same bytes.
        f"-ffile-prefix-map={build_dir}=build",
    ]
    compile_flags = [*toolchain.compile_flags, *(extra_compile_flags or []), *prefix_maps]
    linker_flags = [*toolchain.linker_flags, *(extra_linker_flags or [])]
    # Secrets stay out of build commands' reach: a build script can print its environment.
    env = {k: v for k, v in base_env.items() if not SECRET_NAME.search(k)}
    env.update(
        SOURCE_DATE_EPOCH=str(source_date_epoch),
        TZ="UTC",
        LC_ALL="C",
        LANG="C",
        CFLAGS=" ".join(compile_flags),
        CXXFLAGS=" ".join(compile_flags),
        LDFLAGS=" ".join(linker_flags),
        CXX=toolchain.compiler,
    )
    if toolchain.c_compiler:
        env["CC"] = toolchain.c_compiler
    if jobs is not None:
        env["CMAKE_BUILD_PARALLEL_LEVEL"] = env["CTEST_PARALLEL_LEVEL"] = str(max(1, jobs))
    env.update(extra_env or {})
    return BuildSettings(env, compile_flags, linker_flags, source_date_epoch)


def os_description() -> str:
    try:
        release = platform.freedesktop_os_release()
        return release.get("PRETTY_NAME") or release.get("NAME", platform.system())
    except OSError:
        return f"{platform.system()} {platform.release()}"


def describe(settings: BuildSettings, compiler: Compiler) -> BuildEnvironment:
    return BuildEnvironment(
        os=os_description(),
        machine=platform.machine(),
        cipipe_version=__version__,
        compiler=CompilerFound(
            executable=compiler.executable, path=compiler.path, version=compiler.version
        ),
        compile_flags=settings.compile_flags,
        linker_flags=settings.linker_flags,
        source_date_epoch=settings.source_date_epoch,
        env={k: settings.env[k] for k in RECORDED_ENV if k in settings.env},
    )
