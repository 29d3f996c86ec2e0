"""cipipe build (seed 4): build each platform in a clean folder, name and checksum the results."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_logged
from cipipe.adapters.toolchain import Compiler, probe_compiler
from cipipe.confine import inside
from cipipe.contracts.artifacts import Artifact, Artifacts, PlatformBuild, Reproducibility
from cipipe.contracts.matrix import Matrix, PlatformPlan
from cipipe.contracts.repo_config import BuildPolicy
from cipipe.contracts.source import Source
from cipipe.digests import digest_file, sha256sums_line
from cipipe.errors import InputError
from cipipe.fileio import atomic_copy, check_folders, fresh_output
from cipipe.steps.build.environment import BuildSettings, build_settings, describe
from cipipe.steps.build.naming import BuildId, artifact_name, commit_label
from cipipe.steps.build.paths import build_folder, expand
from cipipe.steps.build.toolchain_file import check_toolchain_file

log = logging.getLogger("cipipe.build")

Runner = Callable[..., int]
Probe = Callable[[str], Compiler | None]
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
    runner: Runner,
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
    runner: Runner,
) -> _Built:
    """Build ``plan`` in ``build_dir``, a folder platform_build_folder() resolved and allowed."""
    repo = request.repo
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    fresh_output(log_path, root=request.workdir)
    settings = build_settings(
        plan.toolchain,
        source_dir=repo,
        build_dir=build_dir,
        source_date_epoch=int(request.source.commit_time.timestamp()),
        base_env=request.env,
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


def _recheck(
    plan: PlatformPlan,
    request: BuildRequest,
    compiler: Compiler,
    first: list[Artifact],
    runner: Runner,
) -> list[str]:
    """Build again in another folder; the names of artifacts whose bytes differ."""
    log_path = request.workdir / "logs" / f"build-{plan.platform}{RECHECK_SUFFIX}.log"
    build_dir = platform_build_folder(plan, request, RECHECK_SUFFIX)
    again = build_one(plan, request, compiler, build_dir, log_path, runner)
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


def run_build(
    request: BuildRequest, *, runner: Runner = run_logged, probe: Probe = probe_compiler
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

    def work(plan: PlatformPlan) -> tuple[_Built, list[Artifact], list[str]]:
        compiler = checked[plan.platform]
        if isinstance(compiler, str):
            log.warning("%s: skipped: %s", plan.platform, compiler)
            return (
                _Built(PlatformBuild(platform=plan.platform, status="skipped", reason=compiler)),
                [],
                [],
            )
        log_path = request.workdir / "logs" / f"build-{plan.platform}.log"
        built = build_one(plan, request, compiler, build_dirs[plan.platform], log_path, runner)
        if built.record.status != "built":
            return built, [], []
        artifacts = _publish_files(built, plan, request)
        differing = (
            _recheck(plan, request, compiler, artifacts, runner)
            if request.check_reproducible
            else []
        )
        return built, artifacts, differing

    with ThreadPoolExecutor(max_workers=max(1, min(request.jobs, len(plans)))) as pool:
        results = list(pool.map(work, plans))
    artifacts = [a for _, produced, _ in results for a in produced]
    differing = [name for _, _, names in results for name in names]
    for name in differing:
        log.warning("not reproducible: %s differs between two builds", name)
    contract = Artifacts(
        service=request.matrix.service,
        commit=request.source.commit,
        build_id=request.build_id.value,
        build_id_source=request.build_id.source,
        platforms=[built.record for built, _, _ in results],
        artifacts=artifacts,
        reproducibility=Reproducibility(
            checked=request.check_reproducible,
            required=request.policy.require_reproducible,
            differing=differing,
        ),
    )
    checksums = "".join(sha256sums_line(a.sha256, a.path) for a in artifacts)
    return BuildOutputs(contract, checksums)
