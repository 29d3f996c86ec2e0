"""Load the policy bundle from a folder or from a policy server, with a TTL cache (Step 3 F, B).

Within the TTL a fetched bundle is used with no request at all; after it, one conditional GET
either confirms the copy (304) or brings a new one. A new body is trusted only when the hash of
its content equals the version id the server announced, so a proxy or a half-edited server
cannot slip in a different policy under a known version. When the server is down, a cached
copy keeps the pipeline deciding, with a warning naming how old it is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from cipipe.adapters.http import RETRY_STATUSES, parse_retry_after
from cipipe.errors import InputError, OutsideSystemError
from cipipe.fileio import atomic_write_text
from cipipe.risk.policy import PolicyBundle, load_policy_bundle
from cipipe.risk.policy_service import (
    BUNDLE_FILES,
    POLICY_PATH,
    SCHEMA,
    VERSION_HEADER,
    bundle_from_texts,
)
from cipipe.urls import strip_credentials

DEFAULT_TTL_SECONDS = 300
META_FILE = "meta.json"
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A policy fetch sits on every pipeline's path: wait for a busy server briefly, then fall back.
MAX_WAIT_SECONDS = 5.0
TIMEOUT = (5.0, 30.0)  # connect, read

log = logging.getLogger("cipipe.policy")


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """$CIPIPE_CACHE_DIR, else $XDG_CACHE_HOME/cipipe, else ~/.cache/cipipe; then /policy."""
    if env.get("CIPIPE_CACHE_DIR"):
        base = Path(env["CIPIPE_CACHE_DIR"])
    elif env.get("XDG_CACHE_HOME"):
        base = Path(env["XDG_CACHE_HOME"]) / "cipipe"
    else:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        base = home / ".cache" / "cipipe"
    return base / "policy"


def default_ttl(env: Mapping[str, str]) -> int:
    """$CIPIPE_POLICY_TTL in whole seconds (0: always revalidate), default 300."""
    text = env.get("CIPIPE_POLICY_TTL", "").strip()
    if not text:
        return DEFAULT_TTL_SECONDS
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise InputError(
            f"got {text!r}", field="CIPIPE_POLICY_TTL", expected="whole seconds, 0 or more"
        )
    return value


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def load_policy(
    spec: str,
    *,
    cache_dir: Path,
    ttl_seconds: int,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> PolicyBundle:
    """The bundle at ``spec``: a policy server URL (cached) or a local folder."""
    if not is_url(spec):
        return load_policy_bundle(Path(spec))
    # The server's base URL is enough: "http://host:8765" means its /policy document.
    url = spec if urlsplit(spec).path not in ("", "/") else spec.rstrip("/") + POLICY_PATH
    safe = strip_credentials(url)
    folder = cache_dir / hashlib.sha256(safe.encode("utf-8")).hexdigest()
    cached = _read_cache(folder)
    if cached is not None and 0 <= now() - cached.fetched_at < ttl_seconds:
        return cached.bundle
    headers = {"If-None-Match": f'"{cached.bundle.version_id}"'} if cached else {}
    try:
        response = _get(url, safe, headers, sleep)
    except _Unreachable as exc:
        if cached is None:
            raise OutsideSystemError(
                f"policy server {safe} is unreachable ({exc}) and there is no cached copy"
            ) from None
        log.warning(
            "policy server %s is unreachable (%s); using the copy cached %s ago (%s)",
            safe,
            exc,
            _age(now() - cached.fetched_at),
            cached.bundle.version_id,
        )
        return cached.bundle
    if response.status_code == 304 and cached is not None:
        _write_meta(folder, {**cached.meta, "fetched_at": now()})
        return cached.bundle
    if response.status_code != 200:
        raise OutsideSystemError(f"policy server {safe} answered HTTP {response.status_code}")
    return _accept(response, safe, folder, now())


@dataclasses.dataclass(frozen=True)
class _Cached:
    bundle: PolicyBundle
    fetched_at: float
    meta: dict[str, Any]


class _Unreachable(Exception):
    """Connection failure, timeout or a busy answer after every attempt."""


def _read_cache(folder: Path) -> _Cached | None:
    """The cached copy, or None when there is none or it no longer matches its meta.json."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        fetched_at = float(meta["fetched_at"])
        bundle = load_policy_bundle(folder)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, InputError) as exc:
        log.warning("ignoring the policy cache in %s: %s", folder, exc)
        return None
    if bundle.version_id != meta.get("version_id"):
        # Edited by hand since it was fetched: not the policy the server vouched for.
        log.warning("ignoring the policy cache in %s: its content changed", folder)
        return None
    return _Cached(dataclasses.replace(bundle, git_commit=meta.get("git_commit")), fetched_at, meta)


def _get(url: str, safe: str, headers: dict[str, str], sleep: Callable[[float], None]) -> Any:
    reason = ""
    for attempt in range(1, ATTEMPTS + 1):
        wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
        try:
            response = requests.get(url, headers=headers, timeout=TIMEOUT)
        except requests.Timeout:
            reason = "timed out"
        except requests.RequestException as exc:
            # The exception text can carry the URL; a class name cannot carry its password.
            reason = f"connection failed: {type(exc).__name__}"
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            reason = f"HTTP {response.status_code}"
            wait = parse_retry_after(response.headers.get("Retry-After")) or wait
        if attempt < ATTEMPTS:
            log.debug("policy server %s: %s; retrying in %.1fs", safe, reason, wait)
            sleep(min(wait, MAX_WAIT_SECONDS))
    raise _Unreachable(f"{reason} after {ATTEMPTS} attempts")


def _accept(response: Any, safe: str, folder: Path, fetched_at: float) -> PolicyBundle:
    """Validate a new body, check it against the announced version, then swap it in."""
    document = _parse_document(response, safe)
    version_id: str = document["version_id"]
    cache_dir = folder.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=cache_dir))
    try:
        try:
            bundle = bundle_from_texts(document["files"], tmp)
        except InputError as exc:
            name = Path(exc.file).name if exc.file else None
            where = f"{safe} {name}" if name else safe
            raise InputError(
                exc.detail, file=where, field=exc.field, expected=exc.expected
            ) from None
        etag = response.headers.get("ETag")
        announced = [("version id", version_id)]
        if etag is not None:
            announced.append(("ETag", etag.strip().removeprefix("W/").strip('"')))
        header = response.headers.get(VERSION_HEADER)
        if header is not None:
            announced.append((VERSION_HEADER, header.strip()))
        for what, value in announced:
            if bundle.version_id != value:
                raise InputError(
                    f"content hash {bundle.version_id} does not match the served {what} {value}; "
                    "refusing a bundle that may have been tampered with",
                    file=safe,
                )
        meta = {
            "url": safe,
            "etag": etag,
            "version_id": version_id,
            "git_commit": document.get("git_commit"),
            "fetched_at": fetched_at,
        }
        _write_meta(tmp, meta)
        _swap_in(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("fetched policy %s from %s", version_id, safe)
    return dataclasses.replace(bundle, folder=folder, git_commit=meta["git_commit"])


def _parse_document(response: Any, safe: str) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        raise InputError("the policy server's answer is not JSON", file=safe) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        got = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise InputError(f"got schema {got!r}", file=safe, field="schema", expected=SCHEMA)
    if not isinstance(document.get("version_id"), str):
        raise InputError("missing", file=safe, field="version_id", expected="sha256:<hex>")
    commit = document.get("git_commit")
    if commit is not None and not isinstance(commit, str):
        raise InputError(f"got {commit!r}", file=safe, field="git_commit", expected="a string")
    files = document.get("files")
    for name in BUNDLE_FILES:
        if not isinstance(files, dict) or not isinstance(files.get(name), str):
            raise InputError("missing", file=safe, field=f"files.{name}", expected="file text")
    return document


def _write_meta(folder: Path, meta: dict[str, Any]) -> None:
    atomic_write_text(folder / META_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _swap_in(tmp: Path, folder: Path) -> None:
    """Rename the complete temp folder into place; a reader sees the old copy or the new one.

    Linux cannot rename over a non-empty folder, so the old copy steps aside first; a reader
    in that instant sees no cache and fetches, which is safe.
    """
    old = folder.with_name(f".{folder.name}.old-{tmp.name}")
    with contextlib.suppress(FileNotFoundError):
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
