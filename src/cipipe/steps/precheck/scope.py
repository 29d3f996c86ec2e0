"""Which files precheck judges when nobody said: the change of a pull request, else all.

A pull request is judged on what it changes: its author cannot be asked to reformat or fix
a thousand files it never touched. A branch or main build keeps checking everything (the
configured default), so a debt does not hide for ever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cipipe.contracts.precheck_config import PrecheckConfig
from cipipe.contracts.source import Source

Scope = Literal["all", "changed"]
# GitHub Actions names the event that started the workflow; these two run on a pull request.
GITHUB_PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True)
class ScopeChoice:
    scope: Scope
    reason: str
    explicit: bool  # asked for by --scope or .cipipe.yaml, not chosen by cipipe


def pull_request_evidence(source: Source, env: Mapping[str, str]) -> str | None:
    """What says this run builds a pull request (None: nothing does)."""
    origin = source.provenance
    if source.pr_id:
        return f"pull request {source.pr_id} ({_named(origin.get('pr_id'), 'CHANGE_ID', '--pr')})"
    if source.target_branch:
        where = _named(origin.get("target_branch"), "CHANGE_TARGET", "--target-branch")
        return f"a pull request into {source.target_branch} ({where})"
    event = env.get("GITHUB_EVENT_NAME")
    if event in GITHUB_PULL_REQUEST_EVENTS:
        return f"a pull request (GITHUB_EVENT_NAME={event})"
    return None


def _named(origin: str | None, variable: str, flag: str) -> str:
    return flag if origin == "flag" else variable


def choose_scope(
    flag: str | None, config: PrecheckConfig, source: Source, env: Mapping[str, str]
) -> ScopeChoice:
    """--scope, else precheck.scope in .cipipe.yaml, else changed for a pull request and the
    configured default (all) for any other build."""
    if flag is not None:
        return ScopeChoice(_scope(flag), f"--scope {flag}", explicit=True)
    if "scope" in config.model_fields_set:
        return ScopeChoice(config.scope, "precheck.scope in .cipipe.yaml", explicit=True)
    evidence = pull_request_evidence(source, env)
    if evidence is not None:
        return ScopeChoice("changed", f"default for {evidence}", explicit=False)
    return ScopeChoice(config.scope, "default for a branch build", explicit=False)


def _scope(value: str) -> Scope:
    return "changed" if value == "changed" else "all"
