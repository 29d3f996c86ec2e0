"""The code-scanning upload over real HTTP against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cipipe.adapters.github import code_scanning
from cipipe.adapters.github.code_scanning import check_ref, encode_sarif, ref_of, upload_sarif
from cipipe.adapters.github.interface import GitHubError
from cipipe.adapters.github.rest import GitHubRest
from cipipe.contracts.source import Source
from cipipe.errors import InputError
from tests.support.githubserver import FakeGitHub, serve

REPO = "acme/widget"
SHA = "89abcdef0123456789abcdef0123456789abcdef"
LOG: dict[str, Any] = {
    "version": "2.1.0",
    "runs": [
        {
            "tool": {"driver": {"name": "cppcheck"}},
            "results": [
                {
                    "ruleId": "nullPointer",
                    "message": {"text": "Null pointer dereference: p — ünïcode"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.cpp"}}}],
                }
            ],
        }
    ],
}


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_repo(REPO)
    with serve(server):
        yield server


@pytest.fixture
def github(fake: FakeGitHub) -> GitHubRest:
    return GitHubRest(
        fake.url, fake.token, attempts=3, max_wait=0.1, timeout=5, sleep=lambda s: None
    )


def test_upload_is_gzip_then_base64_of_the_log(fake: FakeGitHub, github: GitHubRest) -> None:
    done = upload_sarif(github, REPO, commit=SHA.upper(), ref="refs/heads/main", log=LOG)
    (stored,) = fake.sarifs
    assert (stored.repo, stored.commit_sha, stored.ref) == (REPO, SHA, "refs/heads/main")
    assert stored.log == LOG
    assert done.id == stored.id and done.url.endswith(f"/code-scanning/sarifs/{done.id}")
    (post,) = fake.writes()
    assert post.path == f"/repos/{REPO}/code-scanning/sarifs"
    assert set(post.body) == {"commit_sha", "ref", "sarif"}
    assert json.loads(gzip.decompress(base64.b64decode(post.body["sarif"]))) == LOG


def test_encoding_is_reproducible() -> None:
    assert encode_sarif(LOG) == encode_sarif(json.loads(json.dumps(LOG)))


def test_a_server_error_is_retried(fake: FakeGitHub, github: GitHubRest) -> None:
    fake.fail("502", "429:0")
    upload_sarif(github, REPO, commit=SHA, ref="refs/pull/7/head", log=LOG)
    assert len(fake.sarifs) == 1
    assert [s.method for s in fake.seen] == ["POST"] * 3


def test_failures_after_retries_and_refusals_are_github_errors(
    fake: FakeGitHub, github: GitHubRest
) -> None:
    fake.fail("502", "502", "502")
    with pytest.raises(GitHubError, match="after 3 attempts"):
        upload_sarif(github, REPO, commit=SHA, ref="refs/heads/main", log=LOG)
    fake.fail("401")
    with pytest.raises(GitHubError, match="refused the token"):
        upload_sarif(github, REPO, commit=SHA, ref="refs/heads/main", log=LOG)
    with pytest.raises(GitHubError, match="404"):
        upload_sarif(github, "acme/unknown", commit=SHA, ref="refs/heads/main", log=LOG)
    assert fake.sarifs == []


def test_a_result_without_a_location_is_refused_as_github_does(
    fake: FakeGitHub, github: GitHubRest
) -> None:
    bad = json.loads(json.dumps(LOG))
    del bad["runs"][0]["results"][0]["locations"]
    with pytest.raises(GitHubError, match="expected at least one location") as caught:
        upload_sarif(github, REPO, commit=SHA, ref="refs/heads/main", log=bad)
    assert caught.value.status == 422


def test_too_large_a_log_is_bad_input_before_sending(
    fake: FakeGitHub, github: GitHubRest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_scanning, "MAX_COMPRESSED_BYTES", 10)
    with pytest.raises(InputError, match="gzip-compressed"):
        upload_sarif(github, REPO, commit=SHA, ref="refs/heads/main", log=LOG)
    assert fake.seen == []


@pytest.mark.parametrize(
    "ref", ["main", "refs/heads/", "refs/pull/x/head", "refs/pull/1/base", "refs/heads/a..b"]
)
def test_a_bad_ref_is_bad_input(ref: str) -> None:
    with pytest.raises(InputError, match="--sarif-ref"):
        check_ref(ref)


def source(branch: str | None, pr: str | None) -> Source:
    return Source(
        repo_url=None,
        commit=SHA,
        branch=branch,
        author=None,
        pr_id=pr,
        target_branch=None,
        message=None,
        commit_time=datetime(2026, 1, 1, tzinfo=UTC),
        detached_head=False,
        dirty=False,
        submodules=[],
        provenance={},
    )


def test_the_ref_of_a_pull_request_and_of_a_branch() -> None:
    assert ref_of(source("PR-12", "12")) == "refs/pull/12/head"
    assert ref_of(source("release/1.2", None)) == "refs/heads/release/1.2"
    with pytest.raises(InputError, match="no branch and no pull request"):
        ref_of(source(None, None))
