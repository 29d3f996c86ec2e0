"""cipipe build-info (seed 7): the build's record, its change metrics and its risk inputs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cipipe.adapters.git.history import FileChange
from cipipe.adapters.git.interface import GitRepo
from cipipe.adapters.history.interface import HistoryStore
from cipipe.contracts.build_info import (
    BuildInfo,
    ChangedFile,
    ChangeMetrics,
    Changes,
    ModuleHistory,
)
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.risk_inputs import RiskInputs
from cipipe.logs import SecretMasker
from cipipe.steps.build_info.assemble import StepReports, build_info, risk_inputs
from cipipe.steps.build_info.change_metrics import GitChangeMetrics
from cipipe.steps.build_info.commit_batch import Change, compute_changes
from cipipe.steps.build_info.diff_range import resolve_range
from cipipe.steps.build_info.jfrog import jfrog_build_info
from cipipe.steps.build_info.modules import module_mapper
from cipipe.urls import strip_credentials

log = logging.getLogger("cipipe.build-info")

STATUS = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
}


@dataclass(frozen=True)
class BuildInfoOutputs:
    build_info: BuildInfo
    jfrog: dict[str, Any]
    risk_inputs: RiskInputs


def _changed(change: FileChange, module: str) -> ChangedFile:
    return ChangedFile(
        path=change.path,
        old_path=change.old_path if change.status in "RC" else None,
        status=STATUS[change.status],
        added=change.added,
        deleted=change.deleted,
        binary=change.binary,
        module=module,
    )


def _duration(reports: StepReports) -> timedelta:
    seconds = (
        sum(p.duration_seconds for p in reports.artifacts.platforms) if reports.artifacts else 0
    )
    seconds += sum(p.duration_seconds for p in reports.tests.platforms) if reports.tests else 0
    return timedelta(seconds=seconds)


def _contract_metrics(metrics: GitChangeMetrics) -> ChangeMetrics:
    """The change metrics as build-info.json records them, the fractions rounded so that the
    file does not change with the last bits of a float."""
    return ChangeMetrics(
        ns=metrics.ns,
        nd=metrics.nd,
        nf=metrics.nf,
        entropy=round(metrics.entropy, 6),
        la=metrics.la,
        ld=metrics.ld,
        lt=metrics.lt,
        fix=metrics.fix,
        ndev=metrics.ndev,
        age=round(metrics.age, 4),
        nuc=metrics.nuc,
        exp=metrics.exp,
        rexp=round(metrics.rexp, 4),
        sexp=metrics.sexp,
    )


def _touched_modules(
    changed: Sequence[ChangedFile], files: Sequence[FileChange], module_of: Callable[[str], str]
) -> list[str]:
    """The modules the change touches; a rename touches the module it left too."""
    return sorted(
        {c.module for c in changed} | {module_of(f.old_path) for f in files if f.old_path}
    )


def _module_histories(
    store: HistoryStore | None, config: RepoConfig, modules: Sequence[str], now: datetime
) -> list[ModuleHistory]:
    """How often builds touching each module failed in the window; none without a store."""
    if store is None:
        return []
    window = config.history.failure_window_days
    histories = []
    for module in modules:
        rate = store.failure_rate(config.service, module, window_days=window, now=now)
        histories.append(
            ModuleHistory(
                module=module,
                failed=rate.failed,
                total=rate.total,
                failure_rate=rate.rate,
                window_days=window,
            )
        )
    return histories


def run_build_info(
    git: GitRepo,
    reports: StepReports,
    config: RepoConfig,
    *,
    build_id: str,
    env: Mapping[str, str],
    base: str | None,
    store: HistoryStore | None,
    now: datetime,
    masker: SecretMasker,
) -> BuildInfoOutputs:
    source = reports.source
    span = resolve_range(git, source, env, base)
    log.info("change: %s..%s (%s)", (span.base or "root")[:12], span.commit[:12], span.source)
    module_of = module_mapper(config.history.modules)
    # The batch of one change: the same numbers a backtest computes for this range.
    change = Change(
        git.resolve_commit(span.commit),  # source.json may name it by a short id
        span.base,
        author_email=source.author.email if source.author else None,
    )
    metrics, files = compute_changes(git.root, [change], module_of=module_of)[change]
    changed = [_changed(f, module_of(f.path)) for f in files]
    modules = _module_histories(store, config, _touched_modules(changed, files, module_of), now)
    changes = Changes(
        range=span,
        files=changed,
        files_changed=len(changed),
        lines_added=sum(c.added or 0 for c in changed),
        lines_deleted=sum(c.deleted or 0 for c in changed),
        metrics=_contract_metrics(metrics),
    )
    info = build_info(
        reports,
        config,
        build_id=build_id,
        changes=changes,
        modules=modules,
        created=now,
        build_url=strip_credentials(env["BUILD_URL"]) if env.get("BUILD_URL") else None,
    )
    jfrog = jfrog_build_info(
        info, duration=_duration(reports), env=env, masker=masker, message=source.message
    )
    return BuildInfoOutputs(info, jfrog, risk_inputs(info, reports, config))
