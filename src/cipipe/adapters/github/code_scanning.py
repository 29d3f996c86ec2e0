"""GitHub code scanning: upload a SARIF log as the analysis of one commit.

``POST /repos/{owner}/{repo}/code-scanning/sarifs`` (docs.github.com/rest/code-scanning,
"Upload an analysis as SARIF data", API version 2022-11-28) with ``commit_sha`` (the full
commit id), ``ref`` (``refs/heads/<branch>``, ``refs/tags/<tag>``, ``refs/pull/<n>/head`` or
``refs/pull/<n>/merge``) and ``sarif``: the log gzip-compressed, then base64-encoded; at most
10 MB compressed. GitHub answers 202 with the upload's ``id`` and ``url`` and processes it
later. The token needs the ``security_events`` scope (a fine-grained token: "Code scanning
alerts: write").

A retried upload is harmless: GitHub keeps one analysis per commit, ref, tool and category, so
the same log sent twice replaces itself; no recheck is needed before sending again.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cipipe.adapters.github.client import GitHubClient
from cipipe.adapters.github.interface import GitHubError, check_repo, check_sha
from cipipe.contracts.source import Source
from cipipe.errors import InputError

MAX_COMPRESSED_BYTES = 10 * 1024 * 1024
_REF = re.compile(r"^refs/(?:(?:heads|tags)/[^\s~^:?*\[\\]+|pull/[1-9][0-9]*/(?:head|merge))$")
REF_FORMS = "refs/heads/<branch>, refs/tags/<tag>, refs/pull/<number>/head or .../merge"


@dataclass(frozen=True)
class SarifUpload:
    id: str
    url: str
    """The upload's status endpoint (``GET`` it for ``processing_status``)."""


def check_ref(ref: str) -> str:
    if not _REF.match(ref) or ".." in ref or ref.endswith(("/", ".lock")):
        raise InputError(f"git reference {ref!r}", field="--sarif-ref", expected=REF_FORMS)
    return ref


def ref_of(source: Source) -> str:
    """The ref GitHub files the analysis under: a pull request's head (the commit Jenkins
    builds with the "current pull request revision" strategy), else the branch."""
    if source.pr_id and source.pr_id.isdigit() and int(source.pr_id) > 0:
        return f"refs/pull/{int(source.pr_id)}/head"
    if source.branch:
        return check_ref(f"refs/heads/{source.branch}")
    raise InputError(
        "source.json names no branch and no pull request",
        field="--sarif-ref",
        expected=f"--branch, --pr or --sarif-ref ({REF_FORMS})",
    )


def encode_sarif(log: Mapping[str, Any]) -> str:
    """The ``sarif`` field: compact JSON, gzip (no timestamp, so the same log encodes the
    same), base64; refused (exit 2) when over GitHub's 10 MB."""
    text = json.dumps(log, separators=(",", ":"), ensure_ascii=False)
    packed = gzip.compress(text.encode("utf-8"), mtime=0)
    if len(packed) > MAX_COMPRESSED_BYTES:
        raise InputError(
            f"precheck.sarif is {len(packed)} bytes gzip-compressed",
            field="sarif",
            expected=f"at most {MAX_COMPRESSED_BYTES} bytes, GitHub's limit; narrow the checks",
        )
    return base64.b64encode(packed).decode("ascii")


def upload_sarif(
    client: GitHubClient, repo: str, *, commit: str, ref: str, log: Mapping[str, Any]
) -> SarifUpload:
    owner, name = check_repo(repo)
    payload = {"commit_sha": check_sha(commit), "ref": check_ref(ref), "sarif": encode_sarif(log)}
    answer = client.request(
        "POST",
        f"/repos/{owner}/{name}/code-scanning/sarifs",
        json=payload,
        what=f"code scanning of {owner}/{name}",
    )
    upload_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(upload_id, str) or not upload_id:
        raise GitHubError(f"GitHub accepted the SARIF upload to {owner}/{name} without an id")
    url = answer.get("url")
    return SarifUpload(upload_id, url if isinstance(url, str) else "")
