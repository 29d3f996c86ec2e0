"""Jenkins' remote access API: the build history of one job, for the history backfill.

Credentials come from the environment only (``JENKINS_TOKEN`` as a bearer token, or
``JENKINS_USER`` + ``JENKINS_API_TOKEN`` as basic auth), never from argv, where ``ps`` and the
Jenkins console would show them; no message names them.

Builds are read from ``allBuilds`` in pages with the ``tree`` range syntax ``{M,N}``. Jenkins'
``builds`` property is the newest 100 builds only, so paging over it stops at 100 however long
the history: ``allBuilds`` takes the same ranges and goes back to the first kept build.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from cipipe.adapters.http import RETRY_STATUSES, HeaderAuth, parse_retry_after
from cipipe.errors import InputError, OutsideSystemError
from cipipe.urls import strip_credentials

log = logging.getLogger("cipipe.jenkins")

BUILD_FIELDS = (
    "number,result,timestamp,duration,changeSets[items[commitId,author[fullName],affectedPaths]]"
)
BUILDS_PROPERTY = "allBuilds"
# A run's parameters are in its ParametersAction: actions[].parameters[].{name,value}.
RUN_FIELDS = "number,result,timestamp,actions[parameters[name,value]]"


class BearerAuth(HeaderAuth):
    """``Authorization: Bearer TOKEN`` (an SSO proxy's or a plugin's token)."""

    def __init__(self, token: str) -> None:
        super().__init__("Authorization", token, "Bearer ")


def auth_from_env(environ: Mapping[str, str] | None = None) -> AuthBase | None:
    """The credentials the environment holds; None for an anonymous Jenkins."""
    env = os.environ if environ is None else environ
    if token := env.get("JENKINS_TOKEN"):
        return BearerAuth(token)
    user, api_token = env.get("JENKINS_USER"), env.get("JENKINS_API_TOKEN")
    if user and api_token:
        return HTTPBasicAuth(user, api_token)
    if user or api_token:
        raise InputError(
            "JENKINS_USER and JENKINS_API_TOKEN must be set together",
            expected="both, or JENKINS_TOKEN, or neither for anonymous access",
        )
    return None


@dataclass(frozen=True)
class JenkinsChange:
    commit_id: str | None
    author: str | None
    paths: tuple[str, ...]


@dataclass(frozen=True)
class JenkinsBuild:
    number: int
    result: str | None
    """SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT, or None while it runs."""
    started_at: datetime
    duration_ms: int
    changes: tuple[JenkinsChange, ...]


@dataclass(frozen=True)
class JenkinsRun:
    """One run of a parameterised job; ``parameters`` holds those with a text value."""

    number: int
    result: str | None
    started_at: datetime
    parameters: Mapping[str, str]


def _parameters(entry: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for action in entry.get("actions") or []:
        # Jenkins lists an empty object for every action the tree did not ask for.
        if not isinstance(action, dict):
            continue
        for parameter in action.get("parameters") or []:
            if not isinstance(parameter, dict):
                continue
            name, value = parameter.get("name"), parameter.get("value")
            if isinstance(name, str) and isinstance(value, str | int | float | bool):
                found[name] = str(value)
    return found


def job_path(job: str) -> str:
    """``a/b`` (a job in folder a) -> ``job/a/job/b``, each name URL-quoted."""
    names = job.strip("/").split("/")
    if not job.strip("/") or any(not n for n in names):
        raise InputError(f"job {job!r}", field="job", expected="NAME or FOLDER/.../NAME")
    return "/".join(f"job/{quote(name, safe='')}" for name in names)


class JenkinsClient:
    def __init__(
        self,
        base_url: str,
        auth: AuthBase | None = None,
        *,
        timeout: float = 30.0,
        max_attempts: int = 4,
        backoff_seconds: float = 1.0,
        page_size: int = 100,
        max_pages: int = 1000,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shown_url = strip_credentials(self.base_url)
        self._auth = auth
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._page_size = max(1, page_size)
        self._max_pages = max(1, max_pages)
        self._session = session or requests.Session()
        self._sleep = sleep

    @classmethod
    def from_env(
        cls, base_url: str, environ: Mapping[str, str] | None = None, **options: Any
    ) -> JenkinsClient:
        return cls(base_url, auth_from_env(environ), **options)

    def builds(self, job: str) -> Iterator[JenkinsBuild]:
        """Every kept build of ``job``, newest first, one page per request until an empty page."""
        for entry in self._entries(job, BUILD_FIELDS):
            yield _parse_build(entry, job)

    def runs(self, job: str) -> Iterator[JenkinsRun]:
        """Every kept run of ``job`` with its parameters, newest first (a rollback or hotfix
        job names the build it acts on in a parameter: ``outcome sync --from jenkins``)."""
        for entry in self._entries(job, RUN_FIELDS):
            build = _parse_build(entry, job)
            yield JenkinsRun(build.number, build.result, build.started_at, _parameters(entry))

    def _entries(self, job: str, fields: str) -> Iterator[Any]:
        path = f"{job_path(job)}/api/json"
        for page in range(self._max_pages):
            start = page * self._page_size
            end = start + self._page_size
            tree = f"{BUILDS_PROPERTY}[{fields}]{{{start},{end}}}"
            data = self._get_json(path, {"tree": tree}, what=f"job {job!r}")
            entries = data.get(BUILDS_PROPERTY) if isinstance(data, dict) else None
            if not isinstance(entries, list):
                raise OutsideSystemError(
                    f"Jenkins at {self.shown_url}: job {job!r} answered without {BUILDS_PROPERTY}"
                )
            if not entries:
                return
            yield from entries
        log.warning("job %r: stopped after %d pages of builds", job, self._max_pages)

    def _get_json(self, path: str, params: dict[str, str], *, what: str) -> Any:
        url = f"{self.base_url}/{path}"
        shown = f"{self.shown_url}/{path}"
        for attempt in range(1, self._max_attempts + 1):
            retry_after: float | None = None
            try:
                response = self._session.get(
                    url,
                    params=params,
                    auth=self._auth,
                    timeout=self._timeout,
                    headers={"Accept": "application/json"},
                )
            except requests.Timeout:
                problem = f"no answer within {self._timeout:g}s"
            except requests.ConnectionError:
                problem = "connection failed"
            else:
                status = response.status_code
                if status in (401, 403):
                    raise OutsideSystemError(
                        f"Jenkins at {self.shown_url}: authentication failed (HTTP {status}); "
                        "check JENKINS_TOKEN or JENKINS_USER and JENKINS_API_TOKEN"
                    )
                if status == 404:
                    raise InputError(
                        f"{what} not found at {shown}", field="job", expected="an existing job"
                    )
                if status not in RETRY_STATUSES:
                    if status >= 400:
                        raise OutsideSystemError(f"Jenkins GET {shown}: HTTP {status}")
                    try:
                        return response.json()
                    except ValueError:
                        raise OutsideSystemError(
                            f"Jenkins GET {shown}: the answer is not JSON"
                        ) from None
                problem = f"HTTP {status}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == self._max_attempts:
                raise OutsideSystemError(
                    f"Jenkins at {self.shown_url} unreachable: {problem} "
                    f"after {self._max_attempts} attempts (GET {shown})"
                )
            delay = retry_after if retry_after is not None else self._backoff * 2 ** (attempt - 1)
            log.warning(
                "Jenkins GET %s: %s; retrying in %.1fs (%d of %d)",
                shown,
                problem,
                delay,
                attempt,
                self._max_attempts,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _parse_build(entry: Any, job: str) -> JenkinsBuild:
    if not isinstance(entry, dict):
        raise OutsideSystemError(f"Jenkins job {job!r}: a build entry is not an object")
    number, stamp = entry.get("number"), entry.get("timestamp")
    if not isinstance(number, int) or not isinstance(stamp, int | float):
        raise OutsideSystemError(f"Jenkins job {job!r}: a build has no number or timestamp")
    result = entry.get("result")
    changes = []
    for change_set in entry.get("changeSets") or []:
        for item in (change_set or {}).get("items") or []:
            author = (item.get("author") or {}).get("fullName")
            paths = [p for p in item.get("affectedPaths") or [] if isinstance(p, str)]
            changes.append(JenkinsChange(item.get("commitId"), author, tuple(paths)))
    return JenkinsBuild(
        number=number,
        result=result if isinstance(result, str) else None,
        started_at=datetime.fromtimestamp(stamp / 1000, UTC),
        duration_ms=int(entry.get("duration") or 0),
        changes=tuple(changes),
    )
