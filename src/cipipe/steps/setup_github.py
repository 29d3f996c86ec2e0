"""cipipe setup github: what a repository needs for the pipeline, and what differs.

Wanted: one active webhook to Jenkins at ``<jenkins-url>/github-webhook/`` (the GitHub plugin's
endpoint) sending ``push`` and ``pull_request`` as JSON; and on each protected branch, pull
requests with at least one approving review, the ``cipipe/gate`` status check required on an
up-to-date branch (``strict``), and administrators held to the same rules.

``plan`` is pure: the wanted state and what GitHub shows give one ``SetupItem`` per thing, each
with the ``Fix`` that would put it right. A fix keeps what it does not need to change: a hook's
other events, a branch's other required checks, review settings, push restrictions and toggles
(GitHub's PUT replaces the whole protection, so they are carried over from what it showed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from cipipe.errors import InputError
from cipipe.urls import strip_credentials

GATE_CONTEXT = "cipipe/gate"
HOOK_EVENTS = ("push", "pull_request")
WEBHOOK_PATH = "/github-webhook/"
SECRET_VARIABLE = "CIPIPE_GITHUB_WEBHOOK_SECRET"
# Protection toggles GitHub shows as {"enabled": bool} and takes back as a bool.
TOGGLES = (
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
)

FixKind = Literal["create_hook", "update_hook", "put_protection"]


@dataclass(frozen=True)
class Fix:
    kind: FixKind
    body: dict[str, Any] = field(repr=False)  # may hold the webhook secret
    hook_id: int | None = None
    branch: str | None = None


@dataclass(frozen=True)
class SetupItem:
    name: str
    ok: bool
    detail: str
    fix: Fix | None = None


@dataclass(frozen=True)
class Desired:
    hook_url: str
    secret: str | None = field(default=None, repr=False)


class RepositorySettingsApi(Protocol):
    """What the step needs from a code host's repository settings (``RepositorySettings``)."""

    def get_default_branch(self) -> str: ...
    def list_hooks(self) -> list[dict[str, Any]]: ...
    def create_hook(self, body: Mapping[str, Any]) -> dict[str, Any]: ...
    def update_hook(self, hook_id: int, body: Mapping[str, Any]) -> dict[str, Any]: ...
    def get_protection(self, branch: str) -> dict[str, Any] | None: ...
    def put_protection(self, branch: str, body: Mapping[str, Any]) -> dict[str, Any]: ...


def webhook_url(jenkins_url: str) -> str:
    """``<jenkins-url>/github-webhook/``; a URL already ending in that path is kept."""
    text = jenkins_url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InputError(
            f"got {strip_credentials(text)!r}",
            field="--jenkins-url",
            expected="the Jenkins root URL, e.g. https://jenkins.example.com/",
        )
    base = text.rstrip("/").removesuffix(WEBHOOK_PATH.rstrip("/"))
    return base.rstrip("/") + WEBHOOK_PATH


def plan(
    desired: Desired, hooks: Sequence[Mapping[str, Any]], protections: Mapping[str, Any]
) -> list[SetupItem]:
    """One item for the webhook, three per branch (``protections``: branch -> GitHub's
    protection, or None when the branch has none)."""
    items = [plan_hook(desired, hooks)]
    for branch, protection in protections.items():
        items.extend(plan_branch(branch, protection))
    return items


def plan_hook(desired: Desired, hooks: Sequence[Mapping[str, Any]]) -> SetupItem:
    name = f"webhook {strip_credentials(desired.hook_url)}"
    hook = _matching_hook(desired.hook_url, hooks)
    config = _config(desired.hook_url, desired.secret, None)
    if hook is None:
        body = {"name": "web", "active": True, "events": list(HOOK_EVENTS), "config": config}
        return SetupItem(name, False, "missing", Fix("create_hook", body))
    shown_config = hook.get("config")
    current: Mapping[str, Any] = shown_config if isinstance(shown_config, dict) else {}
    events = [str(e) for e in hook.get("events") or []]
    problems: list[str] = []
    missing = [e for e in HOOK_EVENTS if e not in events and "*" not in events]
    if missing:
        problems.append(f"events lack {', '.join(missing)}")
    if hook.get("active") is not True:
        problems.append("inactive")
    config_wrong = current.get("url") != desired.hook_url or current.get("content_type") != "json"
    if current.get("url") != desired.hook_url:
        problems.append(f"URL {strip_credentials(str(current.get('url')))}")
    if current.get("content_type") != "json":
        problems.append(f"content type {current.get('content_type') or 'form'}")
    if desired.secret is not None and not current.get("secret"):
        problems.append("no secret")
        config_wrong = True
    if not problems:
        shown = ", ".join(events)
        return SetupItem(name, True, f"hook {hook['id']}: {shown}, json, active")
    update: dict[str, Any] = {"active": True, "events": events + missing}
    if config_wrong:
        update["config"] = _config(desired.hook_url, desired.secret, current)
        if current.get("secret") and desired.secret is None:
            problems.append(f"the fix drops its secret unless {SECRET_VARIABLE} is set")
    detail = f"hook {hook['id']}: " + "; ".join(problems)
    return SetupItem(name, False, detail, Fix("update_hook", update, hook_id=int(hook["id"])))


def plan_branch(branch: str, protection: Mapping[str, Any] | None) -> list[SetupItem]:
    """Pull requests with an approving review, cipipe/gate on an up-to-date branch, admins."""
    fix = Fix("put_protection", protection_body(protection), branch=branch)
    if protection is None:
        return [
            SetupItem(f"{branch}: {what}", False, "branch not protected", fix)
            for what in ("pull requests required", f"{GATE_CONTEXT} required", "admins included")
        ]
    reviews = protection.get("required_pull_request_reviews")
    count = _count(reviews.get("required_approving_review_count")) if reviews else 0
    reviews_ok = isinstance(reviews, dict) and count >= 1
    if not isinstance(reviews, dict):
        reviews_detail = "pull requests not required"
    else:
        reviews_detail = f"{count} approving review{'' if count == 1 else 's'} required"
    checks = protection.get("required_status_checks")
    contexts = [c for c, _ in _checks(checks)]
    strict = isinstance(checks, dict) and checks.get("strict") is True
    gaps = []
    if GATE_CONTEXT not in contexts:
        gaps.append(f"{GATE_CONTEXT} not among {contexts}" if contexts else "no checks required")
    if not strict:
        gaps.append("branches need not be up to date (strict off)")
    admins = protection.get("enforce_admins")
    admins_ok = isinstance(admins, dict) and admins.get("enabled") is True
    gate_detail = "; ".join(gaps) or f"strict, with {', '.join(contexts)}"
    admins_detail = f"enforce_admins {'on' if admins_ok else 'off'}"
    items = [
        (f"{branch}: pull requests required", reviews_ok, reviews_detail),
        (f"{branch}: {GATE_CONTEXT} required", not gaps, gate_detail),
        (f"{branch}: admins included", admins_ok, admins_detail),
    ]
    all_ok = all(ok for _, ok, _ in items)
    return [SetupItem(name, ok, detail, None if all_ok else fix) for name, ok, detail in items]


def protection_body(current: Mapping[str, Any] | None) -> dict[str, Any]:
    """The PUT body: what GitHub showed (``current``) with our requirements added."""
    shown = current or {}
    checks = _checks(shown.get("required_status_checks"))
    if GATE_CONTEXT not in [c for c, _ in checks]:
        checks.append((GATE_CONTEXT, None))
    reviews = shown.get("required_pull_request_reviews")
    reviews = reviews if isinstance(reviews, dict) else {}
    wanted_reviews: dict[str, Any] = {
        "dismiss_stale_reviews": reviews.get("dismiss_stale_reviews") is True,
        "require_code_owner_reviews": reviews.get("require_code_owner_reviews") is True,
        "required_approving_review_count": max(
            1, _count(reviews.get("required_approving_review_count"))
        ),
        "require_last_push_approval": reviews.get("require_last_push_approval") is True,
    }
    for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
        who = _who(reviews.get(key))
        if who is not None:
            wanted_reviews[key] = who
    body: dict[str, Any] = {
        "required_status_checks": {
            "strict": True,
            "checks": [
                {"context": c} if app is None else {"context": c, "app_id": app}
                for c, app in checks
            ],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": wanted_reviews,
        "restrictions": _who(shown.get("restrictions")),
    }
    for key in TOGGLES:
        value = shown.get(key)
        if isinstance(value, dict) and isinstance(value.get("enabled"), bool):
            body[key] = value["enabled"]
    return body


def fixes(items: Iterable[SetupItem]) -> list[Fix]:
    """The fixes of the items that differ, each once, in order."""
    found: list[Fix] = []
    for item in items:
        if item.fix is not None and not item.ok and item.fix not in found:
            found.append(item.fix)
    return found


def check(api: RepositorySettingsApi, desired: Desired, branches: Sequence[str]) -> list[SetupItem]:
    """Read the webhooks and each branch's protection, and plan."""
    protections = {branch: api.get_protection(branch) for branch in branches}
    return plan(desired, api.list_hooks(), protections)


def apply(api: RepositorySettingsApi, items: Iterable[SetupItem]) -> list[str]:
    """Make every fix the items need; what was done, one line each."""
    done = []
    for fix in fixes(items):
        if fix.kind == "create_hook":
            hook = api.create_hook(fix.body)
            done.append(f"created webhook {hook['id']}")
        elif fix.kind == "update_hook":
            assert fix.hook_id is not None
            api.update_hook(fix.hook_id, fix.body)
            done.append(f"updated webhook {fix.hook_id}")
        else:
            assert fix.branch is not None
            api.put_protection(fix.branch, fix.body)
            done.append(f"protected branch {fix.branch}")
    return done


def _matching_hook(url: str, hooks: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    wanted = url.rstrip("/").lower()
    for hook in hooks:
        config = hook.get("config")
        if isinstance(config, dict) and str(config.get("url", "")).rstrip("/").lower() == wanted:
            return hook
    return None


def _config(url: str, secret: str | None, current: Mapping[str, Any] | None) -> dict[str, str]:
    insecure = (current or {}).get("insecure_ssl")
    config = {
        "url": url,
        "content_type": "json",
        "insecure_ssl": str(insecure) if insecure in ("0", "1", 0, 1) else "0",
    }
    if secret is not None:
        config["secret"] = secret
    return config


def _checks(shown: Any) -> list[tuple[str, int | None]]:
    """(context, app id or None) of the required checks, from ``checks`` or legacy
    ``contexts``."""
    if not isinstance(shown, dict):
        return []
    found: list[tuple[str, int | None]] = []
    for check in shown.get("checks") or []:
        if isinstance(check, dict) and isinstance(check.get("context"), str):
            app = check.get("app_id")
            found.append((check["context"], app if isinstance(app, int) else None))
    known = {c for c, _ in found}
    for context in shown.get("contexts") or []:
        if isinstance(context, str) and context not in known:
            found.append((context, None))
            known.add(context)
    return found


def _who(shown: Any) -> dict[str, list[str]] | None:
    """GitHub's users/teams/apps objects as the logins and slugs a PUT takes; None when off."""
    if not isinstance(shown, dict) or not any(k in shown for k in ("users", "teams", "apps")):
        return None

    def names(key: str, attribute: str) -> list[str]:
        return [
            str(entry[attribute])
            for entry in shown.get(key) or []
            if isinstance(entry, dict) and attribute in entry
        ]

    return {
        "users": names("users", "login"),
        "teams": names("teams", "slug"),
        "apps": names("apps", "slug"),
    }


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
