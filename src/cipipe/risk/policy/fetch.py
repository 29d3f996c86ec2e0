"""Load the policy bundle from a folder or from a policy server, with a TTL cache (Step 3 F, B).

Within the TTL a fetched bundle is used with no request at all; after it, one conditional GET
either confirms the copy (304) or brings a new one. A new body is trusted only when the hash of
its content equals the version id the server announced, so a proxy or a half-edited server
cannot slip in a different policy under a known version. When the server is down, a cached
copy keeps the pipeline deciding, with a warning naming how old it is.

With pins (``pin.py``) only those versions are used: a cached copy that is not pinned is
neither used nor revalidated, and a fetched bundle that is not pinned is refused before it
reaches the cache. How one answer is fetched (the overall deadline, no redirects, the size and
nesting limits) is ``http.py``'s part.

Exit codes: an answer that cannot be read as a document (redirected, too large, too deeply
nested, not JSON, no answer within the deadline and nothing cached) is an outside failure,
exit 3; a document that is not a valid bundle, does not hash to its announced version or is
not pinned is bad input, exit 2, as the same bundle in a folder would be.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cipipe.errors import InputError, OutsideSystemError
from cipipe.fileio import atomic_write_text
from cipipe.risk.policy.bundle import PolicyBundle, load_policy_bundle
from cipipe.risk.policy.http import (
    DEFAULT_DEADLINE_SECONDS,
    Answer,
    Deadline,
    Unreachable,
    fetch,
    parse_json,
)
from cipipe.risk.policy.pin import check_pinned, is_pinned
from cipipe.risk.policy.service import (
    BUNDLE_FILES,
    POLICY_PATH,
    SCHEMA,
    VERSION_HEADER,
    bundle_from_texts,
)
from cipipe.urls import strip_credentials

DEFAULT_TTL_SECONDS = 300
META_FILE = "meta.json"

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


def default_deadline(env: Mapping[str, str]) -> float:
    """$CIPIPE_POLICY_DEADLINE: seconds the whole fetch may take (more than 0), default 30."""
    text = env.get("CIPIPE_POLICY_DEADLINE", "").strip()
    if not text:
        return DEFAULT_DEADLINE_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise InputError(
            f"got {text[:40]!r}", field="CIPIPE_POLICY_DEADLINE", expected="seconds, more than 0"
        )
    return value


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def load_policy(
    spec: str,
    *,
    cache_dir: Path,
    ttl_seconds: int,
    pins: Collection[str] = frozenset(),
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> PolicyBundle:
    """The bundle at ``spec``: a policy server URL (cached) or a local folder; with ``pins``,
    only a bundle whose version id is one of them."""
    if not is_url(spec):
        bundle = load_policy_bundle(Path(spec))
        check_pinned(bundle, pins, spec)
        return bundle
    # The server's base URL is enough: "http://host:8765" means its /policy document.
    url = spec if urlsplit(spec).path not in ("", "/") else spec.rstrip("/") + POLICY_PATH
    safe = strip_credentials(url)
    folder = cache_dir / hashlib.sha256(safe.encode("utf-8")).hexdigest()
    cached = _read_cache(folder)
    if cached is not None and not is_pinned(cached.bundle.version_id, pins):
        # Never used and never revalidated: a 304 must not turn it into a pinned policy.
        log.info("the cached policy %s is not pinned; fetching", cached.bundle.version_id)
        cached = None
    if cached is not None and 0 <= now() - cached.fetched_at < ttl_seconds:
        return cached.bundle
    headers = {"If-None-Match": f'"{cached.bundle.version_id}"'} if cached else {}
    try:
        answer = fetch(url, safe, headers, Deadline(deadline_seconds, clock), sleep)
    except Unreachable as exc:
        return _fall_back(cached, safe, str(exc), now())
    if answer.status == 304 and cached is not None:
        _write_meta(folder, {**cached.meta, "fetched_at": now()})
        return cached.bundle
    if answer.status in (300, 301, 302, 303, 307, 308):
        location = strip_credentials(answer.headers.get("Location") or "nowhere")[:300]
        raise OutsideSystemError(
            f"policy server {safe} answered HTTP {answer.status}, redirecting to {location}; "
            "redirects are not followed (give the final URL)"
        )
    if answer.status != 200:
        raise OutsideSystemError(f"policy server {safe} answered HTTP {answer.status}")
    return _accept(answer, safe, folder, now(), pins)


def _fall_back(cached: _Cached | None, safe: str, reason: str, now: float) -> PolicyBundle:
    """The cached copy when the server cannot be reached; exit 3 when there is none."""
    if cached is None:
        raise OutsideSystemError(
            f"policy server {safe} is unreachable ({reason}) and there is no usable cached copy"
        )
    log.warning(
        "policy server %s is unreachable (%s); using the copy cached %s ago (%s)",
        safe,
        reason,
        _age(now - cached.fetched_at),
        cached.bundle.version_id,
    )
    return cached.bundle


@dataclasses.dataclass(frozen=True)
class _Cached:
    bundle: PolicyBundle
    fetched_at: float
    meta: dict[str, Any]


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
    served = dataclasses.replace(bundle, git_commit=meta.get("git_commit"), origin="url")
    return _Cached(served, fetched_at, meta)


def _accept(
    answer: Answer, safe: str, folder: Path, fetched_at: float, pins: Collection[str]
) -> PolicyBundle:
    """Validate a new body, check it against the announced version and the pins, then swap it
    in; a refused body never reaches the cache."""
    document = _parse_document(parse_json(answer.body, safe), safe)
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
        etag = answer.headers.get("ETag")
        announced = [("version id", version_id)]
        if etag is not None:
            announced.append(("ETag", etag.strip().removeprefix("W/").strip('"')))
        header = answer.headers.get(VERSION_HEADER)
        if header is not None:
            announced.append((VERSION_HEADER, header.strip()))
        for what, value in announced:
            if bundle.version_id != value:
                raise InputError(
                    f"content hash {bundle.version_id} does not match the served {what} {value}; "
                    "refusing a bundle that may have been tampered with",
                    file=safe,
                )
        check_pinned(bundle, pins, safe)
        git_commit: str | None = document.get("git_commit")
        meta = {
            "url": safe,
            "etag": etag,
            "version_id": version_id,
            "git_commit": git_commit,
            "fetched_at": fetched_at,
        }
        _write_meta(tmp, meta)
        _swap_in(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("fetched policy %s from %s", version_id, safe)
    return dataclasses.replace(bundle, folder=folder, git_commit=git_commit, origin="url")


def _parse_document(document: Any, safe: str) -> dict[str, Any]:
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
        if not _is_utf8_text(files[name]):
            raise InputError(
                "holds characters UTF-8 cannot encode (lone surrogates)",
                file=safe,
                field=f"files.{name}",
                expected="UTF-8 text",
            )
    return document


def _is_utf8_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
