"""A compilation database for the analysers, made by a configure-only CMake run when needed.

precheck runs before the build, so without one clang-tidy and cppcheck see none of the
definitions and include folders CMake would set (spdlog: "Please define SPDLOG_COMPILED_LIB").
Configuring takes seconds where building takes minutes, and gives exactly the flags the
native build will use.
"""

from __future__ import annotations

import logging
import platform as host
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.process import LoggedRunner, ProgramNotFound, ProgramTimedOut, run_logged
from cipipe.contracts.precheck import CompileDatabase
from cipipe.contracts.precheck_config import PrecheckConfig
from cipipe.contracts.repo_config import RepoConfig
from cipipe.errors import InputError
from cipipe.fileio import fresh_output
from cipipe.steps.build.paths import build_folder, expand
from cipipe.steps.build_matrix import BUILTIN_PLATFORMS, default_build
from cipipe.steps.precheck.checks import find_compile_db

log = logging.getLogger("cipipe.precheck")

CONFIGURE_FOLDER = "build/precheck"
LOG_FILE = "logs/precheck-configure.log"
CONFIGURE_TIMEOUT_SECONDS = 600.0
DB_FILE = "compile_commands.json"


@dataclass(frozen=True)
class CompileDb:
    """The folder holding compile_commands.json (None: none), and how it was found."""

    folder: Path | None
    record: CompileDatabase


def native_platform(config: RepoConfig) -> str | None:
    """The first supported platform that builds for this machine (its os and arch)."""
    here = ("linux" if sys.platform.startswith("linux") else sys.platform, host.machine())
    for name in config.supports:
        settings = config.platforms.get(name)
        builtin = BUILTIN_PLATFORMS.get(name)
        os_name = (settings.os if settings else None) or (builtin.os if builtin else None)
        arch = (settings.arch if settings else None) or (builtin.arch if builtin else None)
        if (os_name, arch) == here:
            return name
    return None


def configure_options(config: RepoConfig, repo: Path, build_dir: Path) -> list[str]:
    """The -D options of the native platform's configure command: the first ``cmake``
    command of its ``build:`` list, else the built-in default."""
    name = native_platform(config)
    settings = config.platforms.get(name) if name else None
    commands = settings.build if settings and settings.build else default_build(None)
    configure = next((c for c in commands if c and Path(c[0]).name == "cmake"), [])
    args = [
        expand(a, source_dir=repo, build_dir=build_dir, platform=name or "native")
        for a in configure
    ]
    options = []
    for index, arg in enumerate(args):
        if arg.startswith("-D") and len(arg) > 2:
            options.append(arg)
        elif arg == "-D" and index + 1 < len(args):
            options.append("-D" + args[index + 1])
    return options


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root.resolve()).as_posix()


def _configure(
    repo: Path, workdir: Path, config: RepoConfig, env: Mapping[str, str], runner: LoggedRunner
) -> CompileDb:
    log_path = workdir / LOG_FILE
    try:
        build_dir = build_folder(repo, CONFIGURE_FOLDER, field="precheck", keep_out=(workdir,))
    except InputError as exc:
        note = f"configure step not run: {exc}"
        return CompileDb(None, CompileDatabase(origin="none", note=note))
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    fresh_output(log_path, root=workdir)
    argv = ["cmake", "-S", str(repo.resolve()), "-B", str(build_dir)]
    argv += ["-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", *configure_options(config, repo, build_dir)]
    log.info("precheck: configuring %s for a compilation database", CONFIGURE_FOLDER)
    try:
        code = runner(argv, cwd=repo, env=env, log_path=log_path, timeout=CONFIGURE_TIMEOUT_SECONDS)
        failure = f"cmake exited {code}" if code != 0 else None
    except (ProgramNotFound, ProgramTimedOut) as exc:
        failure = str(exc)
    if failure is None and not (build_dir / DB_FILE).is_file():
        failure = f"cmake wrote no {DB_FILE}"
    record = CompileDatabase(
        origin="configure-step", folder=_relative(build_dir, repo), log=LOG_FILE
    )
    if failure:
        note = f"configure step failed ({failure}): see {LOG_FILE}; analysed without a database"
        log.warning("precheck: %s", note)
        return CompileDb(None, record.model_copy(update={"origin": "none", "note": note}))
    return CompileDb(build_dir, record)


def compile_database(
    repo: Path,
    workdir: Path,
    config: RepoConfig,
    *,
    needed: bool,
    env: Mapping[str, str],
    runner: LoggedRunner = run_logged,
) -> CompileDb:
    """precheck.compile_commands, else one found in the repository, else (when an analyser
    that reads it will run and the repository is a CMake project) one made by configuring."""
    settings: PrecheckConfig = config.precheck
    found = find_compile_db(repo, settings)
    if found is not None:
        origin = "configured" if settings.compile_commands else "found"
        return CompileDb(found, CompileDatabase(origin=origin, folder=_relative(found, repo)))
    if settings.compile_commands:
        note = f"no {DB_FILE} in {settings.compile_commands} (precheck.compile_commands)"
        return CompileDb(None, CompileDatabase(note=note))
    if not needed or not (repo / "CMakeLists.txt").is_file():
        return CompileDb(None, CompileDatabase())
    return _configure(repo, workdir, config, env, runner)
