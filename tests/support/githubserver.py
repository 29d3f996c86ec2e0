"""A fake GitHub on 127.0.0.1: the REST subset ``GitHubRest`` uses, kept in memory.

Issue comments per (repo, number) with ids and ``html_url``, listed oldest first with
``per_page`` honoured (at most 100) and a ``Link`` header; commit statuses per (repo, sha),
checked as GitHub does (state, a description of at most 140 characters); repositories
(``add_repo``: the default branch) with their webhooks (a secret is kept in ``hook_secrets`` and
shown as ``********``) and branch protection (stored as GET shows it; 404 "Branch not protected"
when none; a PUT must name all four required keys and not both contexts and checks). Every
request must
carry ``Authorization: Bearer <token>`` (401 "Bad credentials" otherwise); an unknown repository
or issue is 404. ``prefix`` serves the API under a path, as Enterprise does (``/api/v3``).
Code scanning: ``POST /repos/{o}/{r}/code-scanning/sarifs`` on a known repository decodes
``sarif`` (base64, then gzip, then JSON) and checks it as GitHub does before accepting (202 with
``id`` and ``url``): a 40-hex ``commit_sha``, a ``ref`` of the refs/heads, refs/tags or
refs/pull/N/(head|merge) forms, SARIF version 2.1.0 with runs, and every result located at an
artifact URI ("locationFromSarifResult: expected at least one location" otherwise); more than
10 MB compressed is 413. Accepted logs are kept in ``sarifs``.
Faults come from a queue (``fail``), one per request, before any other check.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.loopback import send as _send
from tests.support.loopback import serve_http

Handler = BaseHTTPRequestHandler
STATES = ("error", "failure", "pending", "success")
SARIF_MAX_COMPRESSED = 10 * 1024 * 1024
SHA = re.compile(r"^[0-9a-f]{40}$")
REF = re.compile(r"^refs/(heads/.+|tags/.+|pull/[0-9]+/(head|merge))$")


@dataclass
class SarifUploaded:
    repo: str
    commit_sha: str
    ref: str
    log: dict[str, Any]
    id: str


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    token: str = "ghp_FakeToken0123456789abcdefABCDEF"
    prefix: str = ""
    login: str = "cipipe-bot"
    issues: set[tuple[str, int]] = field(default_factory=set)
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    repos: dict[str, str] = field(default_factory=dict)  # repo -> default branch
    hooks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hook_secrets: dict[int, str] = field(default_factory=dict)
    protections: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sarifs: list[SarifUploaded] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    url: str = ""
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_pr(self, repo: str, number: int) -> None:
        self.issues.add((repo, number))
        self.comments.setdefault((repo, number), [])

    def add_comment(self, repo: str, number: int, body: str, user: str = "someone") -> int:
        self.add_pr(repo, number)
        return self._create(repo, number, body, user)["id"]  # type: ignore[no-any-return]

    def add_repo(self, repo: str, default_branch: str = "main") -> None:
        self.repos[repo] = default_branch
        self.hooks.setdefault(repo, [])

    def add_hook(self, repo: str, body: dict[str, Any]) -> int:
        return self._create_hook(repo, body)["id"]  # type: ignore[no-any-return]

    def protect(self, repo: str, branch: str, body: dict[str, Any]) -> None:
        """Protect ``branch`` as a PUT with ``body`` would."""
        status, answer, _ = self._put_protection(repo, branch, body)
        assert status == 200, answer

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method in ("POST", "PUT", "PATCH", "DELETE")]

    def fail(self, *faults: str) -> None:
        """Answer the next requests with ``faults``: "500", "502", "429:S" (Retry-After S),
        "403-secondary:S" (403 with Retry-After S), "403-secondary" (403 naming the secondary
        limit, no header), "403-reset:S" (x-ratelimit-remaining 0, reset in S seconds),
        "401", or "502-after" (do the work, then answer 502: a lost answer). "POST 502-after"
        is for the next POST only."""
        self.faults.extend(faults)

    def _next_fault(self, method: str) -> str | None:
        for index, fault in enumerate(self.faults):
            wanted, _, kind = fault.rpartition(" ")
            if wanted in ("", method):
                del self.faults[index]
                return kind
        return None

    def comments_of(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.comments.get((repo, number), [])

    def answer(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.seen.append(Seen(h.command, parts.path, query, dict(h.headers.items()), body))
            fault = self._next_fault(h.command)
            if fault is not None and fault != "502-after":
                return _fault(h, fault)
            if h.headers.get("Authorization") != f"Bearer {self.token}":
                return _send(h, 401, {"message": "Bad credentials"})
            status, answer, headers = self._route(h.command, parts.path, query, body)
            if fault == "502-after":
                status, answer, headers = 502, {"message": "Server Error"}, {}
        _send(h, status, answer, headers=headers)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if not path.startswith(f"{self.prefix}/repos/"):
            return 404, {"message": "Not Found"}, {}
        parts = path.removeprefix(f"{self.prefix}/repos/").split("/")
        known = len(parts) >= 2 and f"{parts[0]}/{parts[1]}" in self.repos
        if known and parts[2:] == ["code-scanning", "sarifs"] and method == "POST":
            return self._upload_sarif(f"{parts[0]}/{parts[1]}", body)
        if known and (len(parts) == 2 or parts[2] in ("hooks", "branches")):
            return self._settings(method, f"{parts[0]}/{parts[1]}", parts[2:], body)
        if len(parts) < 4:
            return 404, {"message": "Not Found"}, {}
        repo, rest = f"{parts[0]}/{parts[1]}", parts[2:]
        if rest[0] == "issues" and len(rest) == 3 and rest[2] == "comments" and rest[1].isdigit():
            number = int(rest[1])
            if (repo, number) not in self.issues:
                return 404, {"message": "Not Found"}, {}
            if method == "GET":
                return self._list(path, repo, number, query)
            if method == "POST" and isinstance(body, dict) and isinstance(body.get("body"), str):
                return 201, self._create(repo, number, body["body"], self.login), {}
        if rest[:2] == ["issues", "comments"] and len(rest) == 3 and method == "PATCH":
            for (r, _), comments in self.comments.items():
                for comment in comments:
                    if r == repo and str(comment["id"]) == rest[2]:
                        comment["body"] = body["body"]
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if rest[0] == "statuses" and len(rest) == 2 and method == "POST":
            return self._status(repo, rest[1], body)
        return 404, {"message": "Not Found"}, {}

    def _settings(
        self, method: str, repo: str, rest: list[str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if not rest and method == "GET":
            return 200, {"full_name": repo, "default_branch": self.repos[repo]}, {}
        if rest == ["hooks"] and method == "GET":
            return 200, [self._shown_hook(h) for h in self.hooks[repo]], {}
        if rest == ["hooks"] and method == "POST":
            if not isinstance(body, dict) or not (body.get("config") or {}).get("url"):
                return 422, {"message": "Validation Failed", "errors": [{"field": "url"}]}, {}
            return 201, self._shown_hook(self._create_hook(repo, body)), {}
        if len(rest) == 2 and rest[0] == "hooks" and method == "PATCH":
            for hook in self.hooks[repo]:
                if str(hook["id"]) == rest[1]:
                    config = body.pop("config", None)
                    hook.update(body)
                    if config is not None:  # a config replaces the old one, secret and all
                        self.hook_secrets.pop(hook["id"], None)
                        hook["config"] = self._keep_secret(hook["id"], config)
                    return 200, self._shown_hook(hook), {}
            return 404, {"message": "Not Found"}, {}
        if len(rest) >= 3 and rest[0] == "branches" and rest[-1] == "protection":
            branch = unquote("/".join(rest[1:-1]))
            if method == "PUT":
                return self._put_protection(repo, branch, body)
            if method == "GET":
                found = self.protections.get((repo, branch))
                if found is None:
                    return 404, {"message": "Branch not protected"}, {}
                return 200, found, {}
        return 404, {"message": "Not Found"}, {}

    def _upload_sarif(self, repo: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        def invalid(message: str) -> tuple[int, Any, dict[str, str]]:
            return 422, {"message": message}, {}

        if not isinstance(body, dict) or not SHA.match(str(body.get("commit_sha"))):
            return invalid("Invalid commit_sha")
        if not REF.match(str(body.get("ref"))):
            return invalid("Invalid ref")
        try:
            packed = base64.b64decode(str(body.get("sarif")), validate=True)
        except (binascii.Error, ValueError):
            return invalid("Invalid sarif: not base64")
        if len(packed) > SARIF_MAX_COMPRESSED:
            return 413, {"message": "Payload Too Large"}, {}
        try:
            log = json.loads(gzip.decompress(packed))
        except (OSError, EOFError, ValueError):
            return invalid("Invalid sarif: not gzip-compressed JSON")
        problem = _sarif_problem(log)
        if problem:
            return invalid(f"Code Scanning could not process the submitted SARIF file: {problem}")
        upload_id = str(uuid.uuid4())
        self.sarifs.append(SarifUploaded(repo, body["commit_sha"], body["ref"], log, upload_id))
        url = f"{self.url}/repos/{repo}/code-scanning/sarifs/{upload_id}"
        return 202, {"id": upload_id, "url": url}, {}

    def _create_hook(self, repo: str, body: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        hook = {
            "type": "Repository",
            "id": self._next_id,
            "name": body.get("name", "web"),
            "active": body.get("active", True),
            "events": body.get("events", ["push"]),
            "config": self._keep_secret(self._next_id, dict(body["config"])),
        }
        self.hooks[repo].append(hook)
        return hook

    def _keep_secret(self, hook_id: int, config: dict[str, Any]) -> dict[str, Any]:
        secret = config.pop("secret", None)
        if secret:
            self.hook_secrets[hook_id] = secret
        config.setdefault("insecure_ssl", "0")
        config.setdefault("content_type", "form")
        return config

    def _shown_hook(self, hook: dict[str, Any]) -> dict[str, Any]:
        config = dict(hook["config"])
        if hook["id"] in self.hook_secrets:
            config["secret"] = "********"
        return {**hook, "config": config}

    def _put_protection(self, repo: str, branch: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        keys = ("required_status_checks", "enforce_admins", "required_pull_request_reviews")
        if not isinstance(body, dict) or any(k not in body for k in (*keys, "restrictions")):
            return 422, {"message": "Invalid request.", "errors": ["missing required keys"]}, {}
        checks = body["required_status_checks"]
        shown: dict[str, Any] = {"url": f"{self.url}/repos/{repo}/branches/{branch}/protection"}
        if checks is not None:
            if ("contexts" in checks) == ("checks" in checks) or "strict" not in checks:
                message = "Only one of contexts or checks can be provided, with strict"
                return 422, {"message": "Invalid request.", "errors": [message]}, {}
            pairs = checks.get("checks") or [{"context": c} for c in checks["contexts"]]
            shown["required_status_checks"] = {
                "strict": checks["strict"],
                "contexts": [p["context"] for p in pairs],
                "checks": [{"context": p["context"], "app_id": p.get("app_id")} for p in pairs],
            }
        shown["enforce_admins"] = {"enabled": body["enforce_admins"] is True}
        reviews = body["required_pull_request_reviews"]
        if reviews is not None:
            shown["required_pull_request_reviews"] = {
                "required_approving_review_count": reviews.get(
                    "required_approving_review_count", 1
                ),
                **{k: v for k, v in reviews.items() if k != "required_approving_review_count"},
            }
        if body["restrictions"] is not None:
            shown["restrictions"] = {
                "users": [{"login": u} for u in body["restrictions"].get("users", [])],
                "teams": [{"slug": t} for t in body["restrictions"].get("teams", [])],
                "apps": [{"slug": a} for a in body["restrictions"].get("apps", [])],
            }
        for key, value in body.items():
            if key not in (*keys, "restrictions"):
                shown[key] = {"enabled": value}
        self.protections[(repo, branch)] = shown
        return 200, shown, {}

    def _create(self, repo: str, number: int, text: str, user: str) -> dict[str, Any]:
        self._next_id += 1
        comment = {
            "id": self._next_id,
            "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{self._next_id}",
            "body": text,
            "user": {"login": user},
        }
        self.comments[(repo, number)].append(comment)
        return comment

    def _list(
        self, path: str, repo: str, number: int, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(100, int(query.get("per_page", "30")))
        page = int(query.get("page", "1"))
        comments = self.comments[(repo, number)]
        last = max(1, -(-len(comments) // per_page))
        headers = {}
        if page < last:
            link = f"{self.url}{path.removeprefix(self.prefix)}?per_page={per_page}&page="
            headers["Link"] = f'<{link}{page + 1}>; rel="next", <{link}{last}>; rel="last"'
        return 200, comments[(page - 1) * per_page : page * per_page], headers

    def _status(self, repo: str, sha: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or body.get("state") not in STATES:
            return 422, {"message": "Validation Failed", "errors": [{"field": "state"}]}, {}
        if len(body.get("description") or "") > 140:
            return 422, {"message": "Validation Failed", "errors": [{"field": "description"}]}, {}
        status = {**body, "creator": {"login": self.login}}
        self.statuses.setdefault((repo, sha), []).append(status)
        return 201, status, {}


def _sarif_problem(log: Any) -> str | None:
    """What GitHub's SARIF processing refuses in ``log``, None when it takes it."""
    if not isinstance(log, dict) or log.get("version") != "2.1.0":
        return "expected SARIF version 2.1.0"
    runs = log.get("runs")
    if not isinstance(runs, list):
        return "expected runs"
    for run in runs:
        for result in run.get("results") or []:
            locations = result.get("locations") or []
            if not locations:
                return "locationFromSarifResult: expected at least one location"
            artifact = (locations[0].get("physicalLocation") or {}).get("artifactLocation") or {}
            if not artifact.get("uri"):
                return "locationFromSarifResult: expected artifact location"
    return None


def _fault(h: Handler, fault: str) -> None:
    kind, _, seconds = fault.partition(":")
    if kind == "401":
        return _send(h, 401, {"message": "Bad credentials"})
    if kind == "429":
        return _send(
            h, 429, {"message": "Too Many Requests"}, headers={"Retry-After": seconds or "1"}
        )
    if kind.startswith("403"):
        message = "You have exceeded a secondary rate limit. Please wait a few minutes."
        headers = {"Retry-After": seconds} if kind == "403-secondary" and seconds else {}
        if kind == "403-reset":
            headers = {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(time.time() + float(seconds or "1"))),
            }
            message = "API rate limit exceeded"
        return _send(h, 403, {"message": message}, headers=headers)
    _send(h, int(kind), {"message": f"injected {kind}"})


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve ``fake`` on a free loopback port; ``fake.url`` is its API base (with ``prefix``)."""
    with serve_http(fake.answer, http11=True) as base:
        fake.url = f"{base}{fake.prefix}"
        yield fake
