"""cipipe precheck (seed 2.1, 2.2): record the exact source, then run the lightweight checks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cipipe.adapters.analyzers.interface import Analyzer
from cipipe.adapters.git.interface import GitRepo
from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.process import LoggedRunner, find_program, run_logged
from cipipe.contracts.precheck import NO_RESULT_STATUSES, CheckResult, Precheck
from cipipe.contracts.precheck_config import CheckPolicy
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.source import ChangeBase, Source
from cipipe.cpus import usable_cpus
from cipipe.errors import InputError
from cipipe.formats.sarif import precheck_sarif
from cipipe.steps.change_base import ChangeOf, resolve_change_base
from cipipe.steps.precheck.analysis import Analysis, run_checks
from cipipe.steps.precheck.cache import ResultCache, cache_root
from cipipe.steps.precheck.checks import prepare, run_telemetry_check
from cipipe.steps.precheck.configure import compile_database
from cipipe.steps.precheck.files import FileSelection, select_files
from cipipe.steps.precheck.keys import KeyContext
from cipipe.steps.precheck.scope import ScopeChoice, choose_scope
from cipipe.steps.precheck.source import SourceFlags, resolve_source

__all__ = [
    "PrecheckOutputs",
    "PrecheckRequest",
    "SourceFlags",
    "attention",
    "blocking_failures",
    "run_precheck",
]

log = logging.getLogger("cipipe.precheck")

# A required tool that gave no result fails the precheck whatever its policy: a missing tool
# is never a silent pass.
NO_RESULT = NO_RESULT_STATUSES
# The checks that read a compilation database.
READS_COMPILE_DB = ("cppcheck", "clang-tidy")


@dataclass(frozen=True)
class PrecheckOutputs:
    source: Source
    precheck: Precheck
    sarif: dict[str, Any]


@dataclass(frozen=True)
class PrecheckRequest:
    """``builds``: the service's builds in the history store, newest first (empty: no store);
    ``workdir`` receives the configure step's log and the analysers' result cache (unless
    ``CIPIPE_CACHE_DIR`` in ``env`` names a shared one); ``cpus``: the analysers' CPU budget
    (None: the CPUs this process may use); ``sarif_category``: GitHub code scanning's category
    for every run of precheck.sarif (None: one per check)."""

    workdir: Path
    env: Mapping[str, str]
    flags: SourceFlags
    scope: str | None = None
    builds: Sequence[BuildRecord] = field(default_factory=tuple)
    cpus: int | None = None
    sarif_category: str | None = None


def _policy(config: RepoConfig, name: str) -> CheckPolicy:
    policies = {
        "clang-format": config.precheck.clang_format,
        "cppcheck": config.precheck.cppcheck,
        "clang-tidy": config.precheck.clang_tidy,
    }
    return policies[name]


def blocking_failures(checks: Sequence[CheckResult]) -> list[str]:
    """A check fails the precheck when it is blocking and failed (findings at or above its
    fail_on, or stopped at its time limit), or gave no result although it is required."""
    return [c.name for c in checks if not c.passed and (c.blocking or c.status in NO_RESULT)]


def attention(checks: Sequence[CheckResult]) -> list[str]:
    """The checks that failed or stopped early without blocking: the gate's warning."""
    failures = set(blocking_failures(checks))
    return [c.name for c in checks if not c.passed and c.name not in failures]


def _will_read_compile_db(analyzers: Sequence[Analyzer], config: RepoConfig) -> bool:
    for analyzer in analyzers:
        policy = _policy(config, analyzer.name)
        executable = policy.executable or analyzer.default_executable
        if analyzer.name in READS_COMPILE_DB and policy.enabled and find_program(executable):
            return True
    return False


def _log_checks(checks: Sequence[CheckResult]) -> None:
    for check in checks:
        state = check.status if check.passed else f"{check.status}, FAILED"
        if not check.passed and not check.blocking and check.status not in NO_RESULT:
            state = f"{check.status}, needs attention (not blocking)"
        said = "; ".join(text for text in (check.reason, check.note) if text)
        log.info("%s: %s%s", check.name, state, f" ({said})" if said else "")


def _with_change_base(
    git: GitRepo, source: Source, request: PrecheckRequest, *, strict: bool
) -> tuple[Source, ChangeBase]:
    """``source`` with the start of its change, and that start. A pull request's target
    branch that is not fetched stops a ``--scope changed`` asked for (exit 2); otherwise the
    next rule decides, with a warning (a pull request's default scope then checks the files
    changed since that start)."""
    change = ChangeOf(source.commit, source.branch, source.target_branch)
    warnings = list(source.warnings)
    try:
        base = resolve_change_base(git, change, env=request.env, builds=request.builds)
    except InputError as exc:
        if strict:
            raise
        base = resolve_change_base(
            git, ChangeOf(source.commit, source.branch), env=request.env, builds=request.builds
        )
        warnings.append(
            f"no merge base with the target branch ({exc.detail}): the change "
            f"starts at the {base.found} instead"
        )
    log.info(
        "the change: %s..%s (%s)", (base.commit or "root")[:12], source.commit[:12], base.found
    )
    return source.model_copy(update={"change_base": base, "warnings": warnings}), base


def _scoped_source(
    git: GitRepo, config: RepoConfig, request: PrecheckRequest
) -> tuple[Source, ChangeBase, ScopeChoice]:
    """The source being checked with the start of its change, the scope, and why; a scope
    ``changed`` asked for explicitly needs the pull request's target branch."""
    source = resolve_source(git, request.env, request.flags)
    choice = choose_scope(request.scope, config.precheck, source, request.env)
    strict = choice.explicit and choice.scope == "changed"
    source, base = _with_change_base(git, source, request, strict=strict)
    log.info("precheck: scope %s (%s)", choice.scope, choice.reason)
    for warning in source.warnings:
        log.warning("%s", warning)
    return source, base, choice


def _checks(
    git: GitRepo,
    config: RepoConfig,
    analyzers: Sequence[Analyzer],
    selection: FileSelection,
    compile_db: Path | None,
    analysis: Analysis,
) -> list[CheckResult]:
    """Every analyser's result on the selected files, then the telemetry check's."""
    prepared = [
        prepare(
            a,
            _policy(config, a.name),
            git.root,
            selection.files,
            config.precheck,
            compile_db,
            selection.changed_lines,
        )
        for a in analyzers
    ]
    checks = run_checks(prepared, analysis)
    checks.append(run_telemetry_check(git.root, config.precheck))
    return checks


def run_precheck(
    git: GitRepo,
    config: RepoConfig,
    analyzers: Sequence[Analyzer],
    request: PrecheckRequest,
    *,
    runner: LoggedRunner = run_logged,
) -> PrecheckOutputs:
    cache = ResultCache(cache_root(request.workdir, request.env))
    source, base, choice = _scoped_source(git, config, request)
    scope = choice.scope
    selection = select_files(git, config.precheck, scope=scope, commit=source.commit, base=base)
    log.info("precheck: %d C/C++ file(s) in scope (%s)", len(selection.files), scope)
    database = compile_database(
        git.root,
        request.workdir,
        config,
        needed=bool(selection.files) and _will_read_compile_db(analyzers, config),
        env=request.env,
        runner=runner,
    )
    analysis = Analysis(
        cache=cache,
        keys=KeyContext.read(git.root, git.tracked_files(), database.folder),
        budget=request.cpus or usable_cpus(),
    )
    log.info(
        "precheck: %d CPU(s) for the analysers, cache in %s", analysis.budget, analysis.cache.root
    )
    checks = _checks(git, config, analyzers, selection, database.folder, analysis)
    _log_checks(checks)
    failures = blocking_failures(checks)
    precheck = Precheck(
        commit=source.commit,
        scope=scope,
        scope_reason=choice.reason,
        base=selection.base,
        outcome="failed" if failures else "passed",
        blocking_failures=failures,
        attention=attention(checks),
        compile_db=database.record,
        checks=checks,
    )
    sarif = precheck_sarif(precheck, source, root=git.root, category=request.sarif_category)
    return PrecheckOutputs(source=source, precheck=precheck, sarif=sarif)
