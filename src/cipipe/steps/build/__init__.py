"""cipipe build (seed 4): build each platform in a clean folder, name and checksum the results."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cipipe.adapters.compiler_cache import CompilerCache, find_compiler_cache
from cipipe.adapters.process import LoggedRunner, ProgramNotFound, ProgramTimedOut, run_logged
from cipipe.adapters.toolchain import Compiler, probe_compiler
from cipipe.confine import inside
from cipipe.contracts.artifacts import (
    Artifact,
    Artifacts,
    PlatformBuild,
    Reproducibility,
)
from cipipe.contracts.matrix import Matrix, PlatformPlan
from cipipe.contracts.repo_config import BuildPolicy
from cipipe.contracts.source import Source
from cipipe.digests import digest_file, sha256sums_line
from cipipe.errors import InputError
from cipipe.fileio import atomic_copy, check_folders, fresh_output
from cipipe.steps.build.caching import CompileSettings, cache_use, compile_settings_for
from cipipe.steps.build.environment import BuildSettings, build_settings, describe
from cipipe.steps.build.naming import BuildId, artifact_name, commit_label
from cipipe.steps.build.paths import build_folder, expand
from cipipe.steps.build.toolchain_file import check_toolchain_file

log = logging.getLogger("cipipe.build")

Probe = Callable[[str], Compiler | None]
FindCache = Callable[[Mapping[str, str]], CompilerCache | None]
RECHECK_SUFFIX = "-recheck"


@dataclass(frozen=True)
class BuildRequest:
    repo: Path
    workdir: Path
    matrix: Matrix
    source: Source
    policy: BuildPolicy
    build_id: BuildId
    env: Mapping[str, str]
    platforms: Sequence[str] = ()
    jobs: int = 1
    check_reproducible: bool = False
    skip_missing_toolchains: bool = False


@dataclass
class BuildOutputs:
    artifacts: Artifacts
    checksums: str

    @property
    def failed(self) -> bool:
        broken = any(p.status == "failed" for p in self.artifacts.platforms)
        repro = self.artifacts.reproducibility
        return broken or (repro.required and bool(repro.differing))


@dataclass
class _Built:
    record: PlatformBuild
    files: list[Path] = field(default_factory=list)


def select_plans(matrix: Matrix, names: Sequence[str]) -> list[PlatformPlan]:
    by_name = {p.platform: p for p in matrix.platforms}
    for name in names:
        if name not in by_name:
            raise InputError(
                f"platform {name!r} is not in matrix.json",
                field="--platform",
                expected="one of " + ", ".join(by_name),
            )
    return [by_name[n] for n in names] if names else list(matrix.platforms)


def check_toolchain(
    plan: PlatformPlan, index: int, probe: Probe, *, skip_missing: bool
) -> Compiler | str:
    """The verified compiler, or (when allowed) the reason the platform is skipped."""
    lock = plan.toolchain
    field_name = f"platforms[{index}].toolchain"
    install = f"apt-get install {lock.package}" if lock.package else "install it"
    compiler = probe(lock.compiler)
    if compiler is None:
        reason = f"{lock.compiler} is not installed ({install})"
        if skip_missing:
            return reason
        raise InputError(
            f"{lock.compiler} is not installed",
            file="matrix.json",
            field=f"{field_name}.compiler",
            expected=f"the locked toolchain on this agent ({install})",
        )
    if lock.version is None:
        raise InputError(
            f"{lock.compiler} was not installed where build-matrix ran, so no version is locked",
            file="matrix.json",
            field=f"{field_name}.version",
            expected="a matrix planned where the compiler is installed, or toolchain.version "
            "pinned in .cipipe.yaml",
        )
    if compiler.version != lock.version:
        raise InputError(
            f"{lock.compiler} reports version {compiler.version!r} ({compiler.banner})",
            file="matrix.json",
            field=f"{field_name}.version",
            expected=f"version {lock.version!r} as locked",
        )
    check_toolchain_file(lock, field_name)
    return compiler


def run_build_commands(
    plan: PlatformPlan,
    settings: BuildSettings,
    repo: Path,
    build_dir: Path,
    log_path: Path,
    runner: LoggedRunner,
    timeout: float,
) -> str | None:
    """Run the build commands; the reason for failure, or None."""
    for argv in plan.build:
        command = [
            expand(a, source_dir=repo, build_dir=build_dir, platform=plan.platform) for a in argv
        ]
        try:
            code = runner(command, cwd=repo, env=settings.env, log_path=log_path, timeout=timeout)
        except (ProgramNotFound, ProgramTimedOut) as exc:
            return str(exc)
        if code != 0:
            return f"`{' '.join(command)}` exited {code} (see the build log)"
    return None


def collect(plan: PlatformPlan, repo: Path, build_dir: Path) -> list[Path]:
    files: set[Path] = set()
    for pattern in plan.artifacts:
        expanded = Path(
            expand(pattern, source_dir=repo, build_dir=build_dir, platform=plan.platform)
        )
        if expanded.is_absolute() and not expanded.is_relative_to(repo):
            raise InputError(
                f"artifact glob {pattern!r} leaves the repository",
                file="matrix.json",
                field=f"platforms.{plan.platform}.artifacts",
                expected="a glob inside it",
            )
        relative = expanded.relative_to(repo) if expanded.is_absolute() else expanded
        files.update(p for p in repo.glob(str(relative)) if p.is_file() and inside(p, repo))
    return sorted(files)


def platform_build_folder(plan: PlatformPlan, request: BuildRequest, suffix: str = "") -> Path:
    """Where ``plan`` builds, resolved; exit 2 when that is not a folder cipipe may empty."""
    return build_folder(
        request.repo,
        plan.build_dir + suffix,
        field=f"platforms.{plan.platform}.build_dir",
        keep_out=(request.workdir,),
    )


def build_one(
    plan: PlatformPlan,
    request: BuildRequest,
    compiler: Compiler,
    build_dir: Path,
    log_path: Path,
    runner: LoggedRunner,
    compile_settings: CompileSettings,
) -> _Built:
    """Build ``plan`` in ``build_dir``, a folder platform_build_folder() resolved and allowed."""
    repo, cache = request.repo, compile_settings.cache
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    fresh_output(log_path, root=request.workdir)
    stats_log = log_path.with_name(log_path.stem + ".ccache-stats")
    if cache is not None:
        fresh_output(stats_log, root=request.workdir)
    settings = build_settings(
        plan.toolchain,
        source_dir=repo,
        build_dir=build_dir,
        source_date_epoch=int(request.source.commit_time.timestamp()),
        base_env=compile_settings.env,
        jobs=compile_settings.jobs,
        extra_env=compile_settings.extra_env(stats_log),
    )
    start = time.monotonic()
    log.info("%s: building in %s", plan.platform, build_dir.relative_to(repo))
    failure = run_build_commands(
        plan, settings, repo, build_dir, log_path, runner, request.policy.timeout_minutes * 60
    )
    files = [] if failure else collect(plan, repo, build_dir)
    if not failure and not files:
        failure = "no file matched the artifact globs " + ", ".join(plan.artifacts)
    record = PlatformBuild(
        platform=plan.platform,
        status="failed" if failure else "built",
        reason=failure,
        duration_seconds=round(time.monotonic() - start, 3),
        build_dir=str(build_dir.relative_to(repo)),
        log=str(log_path.relative_to(request.workdir)),
        environment=describe(settings, compiler),
        compiler_cache=cache_use(cache, stats_log) if cache else None,
    )
    log.info("%s: %s%s", plan.platform, record.status, f" ({failure})" if failure else "")
    return _Built(record, files)


def _publish_files(built: _Built, plan: PlatformPlan, request: BuildRequest) -> list[Artifact]:
    commit = commit_label(request.source.commit, request.policy.commit, request.policy.short_length)
    service = request.matrix.service
    several = len(built.files) > 1
    artifacts = []
    for file in built.files:
        name = artifact_name(
            service,
            plan.platform,
            commit,
            request.build_id.value,
            file.name,
            stem=file.name.split(".")[0] if several else None,
        )
        target = request.workdir / "artifacts" / plan.platform / name
        atomic_copy(file, target, root=request.workdir)
        # Taken before the hashing: a file changed while it is read gets another mtime, so
        # publish, which trusts these digests while size and mtime hold, hashes it again.
        mtime_ns = target.stat().st_mtime_ns
        digests = digest_file(target)
        artifacts.append(
            Artifact(
                name=name,
                platform=plan.platform,
                path=target.relative_to(request.workdir).as_posix(),
                built_as=file.relative_to(request.repo).as_posix(),
                size=digests.size,
                sha256=digests.sha256,
                sha1=digests.sha1,
                md5=digests.md5,
                mtime_ns=mtime_ns,
            )
        )
    return artifacts


def _differing(first: list[Artifact], again: _Built) -> list[str]:
    """The names of the artifacts whose bytes the reproducibility rebuild did not repeat."""
    if again.record.status != "built" or len(again.files) != len(first):
        return [a.name for a in first]
    return [
        a.name for a, f in zip(first, again.files, strict=True) if digest_file(f).sha256 != a.sha256
    ]


def _check_folders_first(plans: Sequence[PlatformPlan], request: BuildRequest) -> dict[str, Path]:
    """Every build folder and every output folder is checked before any is emptied or
    written, so a bad one leaves nothing half-done; the resolved build folders by platform."""
    folders = {plan.platform: platform_build_folder(plan, request) for plan in plans}
    if request.check_reproducible:
        for plan in plans:
            platform_build_folder(plan, request, RECHECK_SUFFIX)
    workdir = request.workdir
    outputs = [workdir / "logs", workdir / "artifacts"]
    check_folders([*outputs, *(workdir / "artifacts" / p.platform for p in plans)], root=workdir)
    return folders


@dataclass(frozen=True)
class _Job:
    """One tree to build: a platform's, or its reproducibility rebuild in another folder."""

    plan: PlatformPlan
    compiler: Compiler
    recheck: bool = False


def _build_job(
    job: _Job,
    request: BuildRequest,
    build_dirs: Mapping[str, Path],
    settings: CompileSettings,
    runner: LoggedRunner,
) -> tuple[_Built, list[Artifact]]:
    plan, workdir = job.plan, request.workdir
    suffix = RECHECK_SUFFIX if job.recheck else ""
    log_path = workdir / "logs" / f"build-{plan.platform}{suffix}.log"
    build_dir = platform_build_folder(plan, request, suffix) if job.recheck else None
    build_dir = build_dir or build_dirs[plan.platform]
    built = build_one(plan, request, job.compiler, build_dir, log_path, runner, settings)
    if job.recheck or built.record.status != "built":
        return built, []
    return built, _publish_files(built, plan, request)


def _skipped(plan: PlatformPlan, reason: str) -> _Built:
    log.warning("%s: skipped: %s", plan.platform, reason)
    return _Built(PlatformBuild(platform=plan.platform, status="skipped", reason=reason))


def run_build(
    request: BuildRequest,
    *,
    runner: LoggedRunner = run_logged,
    probe: Probe = probe_compiler,
    find_cache: FindCache = find_compiler_cache,
) -> BuildOutputs:
    plans = select_plans(request.matrix, request.platforms)
    index = {p.platform: i for i, p in enumerate(request.matrix.platforms)}
    checked = {
        p.platform: check_toolchain(
            p, index[p.platform], probe, skip_missing=request.skip_missing_toolchains
        )
        for p in plans
    }
    build_dirs = _check_folders_first(plans, request)
    jobs = [
        _Job(plan, compiler, recheck)
        for plan in plans
        if not isinstance(compiler := checked[plan.platform], str)
        for recheck in ((False, True) if request.check_reproducible else (False,))
    ]
    # Every tree (the rebuilds too) builds at once, as far as the CPU budget goes; each gets
    # its share of it, so the compilers running together never exceed the budget.
    workers = max(1, min(request.jobs, len(jobs)))
    share = max(1, request.jobs // workers)
    cache = find_cache(request.env)

    def work(job: _Job) -> tuple[_Built, list[Artifact]]:
        settings = compile_settings_for(
            request.env, cache, share, use_cache=request.policy.compiler_cache, recheck=job.recheck
        )
        return _build_job(job, request, build_dirs, settings, runner)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(work, jobs)
        done = {(j.plan.platform, j.recheck): r for j, r in zip(jobs, results, strict=True)}
    return _outputs(request, plans, checked, done)


def _outputs(
    request: BuildRequest,
    plans: Sequence[PlatformPlan],
    checked: Mapping[str, Compiler | str],
    done: Mapping[tuple[str, bool], tuple[_Built, list[Artifact]]],
) -> BuildOutputs:
    records: list[PlatformBuild] = []
    artifacts: list[Artifact] = []
    differing: list[str] = []
    for plan in plans:
        compiler = checked[plan.platform]
        if isinstance(compiler, str):
            records.append(_skipped(plan, compiler).record)
            continue
        built, produced = done[plan.platform, False]
        records.append(built.record)
        artifacts.extend(produced)
        again = done.get((plan.platform, True))
        if again is not None and produced:
            differing.extend(_differing(produced, again[0]))
    for name in differing:
        log.warning("not reproducible: %s differs between two builds", name)
    contract = Artifacts(
        service=request.matrix.service,
        commit=request.source.commit,
        build_id=request.build_id.value,
        build_id_source=request.build_id.source,
        platforms=records,
        artifacts=artifacts,
        reproducibility=Reproducibility(
            checked=request.check_reproducible,
            required=request.policy.require_reproducible,
            differing=differing,
        ),
    )
    checksums = "".join(sha256sums_line(a.sha256, a.path) for a in artifacts)
    return BuildOutputs(contract, checksums)
