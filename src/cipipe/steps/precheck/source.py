"""Which commit is being built, and who and what it belongs to (seed 2.1).

Order of truth: explicit flags > the git repository > Jenkins environment. Jenkins' GIT_COMMIT
can name the shared library's checkout rather than the project's, so git wins and a
disagreement is reported rather than silently resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cipipe.adapters.git.interface import CommitInfo, GitRepo, SubmoduleStatus
from cipipe.contracts.source import Origin, Person, Source, Submodule
from cipipe.urls import strip_credentials


@dataclass(frozen=True)
class SourceFlags:
    commit: str | None = None
    branch: str | None = None
    pr_id: str | None = None
    target_branch: str | None = None


def _jenkins_branch(env: Mapping[str, str]) -> str | None:
    if env.get("CHANGE_ID") and env.get("CHANGE_BRANCH"):
        return env["CHANGE_BRANCH"]  # on a PR build BRANCH_NAME is "PR-12"
    if env.get("BRANCH_NAME"):
        return env["BRANCH_NAME"]
    for var in ("GIT_LOCAL_BRANCH", "GIT_BRANCH"):
        value = env.get(var)
        if value:
            for prefix in ("refs/heads/", "refs/remotes/origin/", "remotes/origin/", "origin/"):
                if value.startswith(prefix):
                    return value[len(prefix) :]
            return value
    return None


def _pick(*candidates: tuple[str | None, Origin]) -> tuple[str | None, Origin]:
    for value, origin in candidates:
        if value:
            return value, origin
    return None, "none"


def _commit(
    git: GitRepo,
    env: Mapping[str, str],
    flags: SourceFlags,
    provenance: dict[str, Origin],
    warnings: list[str],
) -> str:
    """The flag's commit, else HEAD; Jenkins' GIT_COMMIT only gets a warning when it differs."""
    if flags.commit:
        commit, provenance["commit"] = git.resolve_commit(flags.commit), "flag"
    else:
        commit, provenance["commit"] = git.resolve_commit("HEAD"), "git"
    jenkins_commit = env.get("GIT_COMMIT")
    if jenkins_commit and not commit.startswith(jenkins_commit.lower()):
        warnings.append(
            f"GIT_COMMIT={jenkins_commit} (Jenkins) differs from {commit} "
            f"({provenance['commit']}); using the latter: GIT_COMMIT may name the shared "
            "library's checkout"
        )
    return commit


def _branch(
    git: GitRepo,
    env: Mapping[str, str],
    flag: str | None,
    commit: str,
    provenance: dict[str, Origin],
    warnings: list[str],
) -> tuple[str | None, bool]:
    """The branch and whether HEAD is detached: the flag's, else the one git has checked out
    (when it is the commit being built), else Jenkins'."""
    git_branch = git.current_branch()
    head = git.resolve_commit("HEAD")
    detached = git_branch is None
    if head != commit:
        git_branch = None  # the checked-out branch says nothing about another commit
    jenkins_branch = _jenkins_branch(env)
    branch, provenance["branch"] = _pick(
        (flag, "flag"), (git_branch, "git"), (jenkins_branch, "jenkins")
    )
    if git_branch and jenkins_branch and git_branch != jenkins_branch:
        warnings.append(
            f"Jenkins names branch {jenkins_branch!r} but git has {git_branch!r} checked out; "
            f"using {branch!r}"
        )
    return branch, detached


def _author(info: CommitInfo, env: Mapping[str, str], provenance: dict[str, Origin]) -> Person:
    """The commit's author; Jenkins' CHANGE_AUTHOR only when git recorded no name."""
    if not info.author_name and env.get("CHANGE_AUTHOR"):
        provenance["author"] = "jenkins"
        return Person(
            name=env.get("CHANGE_AUTHOR_DISPLAY_NAME") or env["CHANGE_AUTHOR"],
            email=env.get("CHANGE_AUTHOR_EMAIL") or None,
        )
    provenance["author"] = "git"
    return Person(name=info.author_name, email=info.author_email or None)


def _submodule_warnings(submodules: Sequence[SubmoduleStatus]) -> list[str]:
    """What makes a submodule's checkout differ from what the commit records."""
    warnings = []
    for sub in submodules:
        if sub.state == "uninitialized":
            warnings.append(f"submodule {sub.path} is not initialised; it is not in the build")
        elif sub.state == "modified":
            warnings.append(
                f"submodule {sub.path} has {sub.checked_out} checked out, but the commit "
                f"records {sub.recorded}"
            )
        elif sub.state == "conflict":
            warnings.append(f"submodule {sub.path} has merge conflicts")
    return warnings


def resolve_source(git: GitRepo, env: Mapping[str, str], flags: SourceFlags) -> Source:
    warnings: list[str] = []
    provenance: dict[str, Origin] = {}
    commit = _commit(git, env, flags, provenance, warnings)
    info = git.commit_info(commit)
    branch, detached = _branch(git, env, flags.branch, commit, provenance, warnings)
    author = _author(info, env, provenance)
    pr_id, provenance["pr_id"] = _pick((flags.pr_id, "flag"), (env.get("CHANGE_ID"), "jenkins"))
    target, provenance["target_branch"] = _pick(
        (flags.target_branch, "flag"), (env.get("CHANGE_TARGET"), "jenkins")
    )
    jenkins_url = env.get("GIT_URL") or env.get("GIT_URL_1")
    repo_url, provenance["repo_url"] = _pick(
        (git.remote_url(), "git"),
        (strip_credentials(jenkins_url) if jenkins_url else None, "jenkins"),
    )
    provenance["message"] = provenance["commit_time"] = "git"
    submodules = git.submodules()
    warnings += _submodule_warnings(submodules)
    return Source(
        repo_url=repo_url,
        commit=commit,
        branch=branch,
        author=author,
        pr_id=pr_id,
        target_branch=target,
        message=info.message,
        commit_time=datetime.fromtimestamp(info.committer_time, UTC),
        detached_head=detached,
        dirty=git.is_dirty(),
        submodules=[
            Submodule(
                path=s.path, commit=s.recorded, checked_out=s.checked_out, state=s.state, url=s.url
            )
            for s in submodules
        ],
        provenance=provenance,
        warnings=warnings,
    )
