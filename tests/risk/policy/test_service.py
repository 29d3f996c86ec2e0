"""The policy server and the TTL-cached fetch, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from cipipe.errors import InputError, OutsideSystemError
from cipipe.risk.policy.bundle import METADATA_FILE, WEIGHTS_FILE, load_policy_bundle
from cipipe.risk.policy.fetch import META_FILE, default_cache_dir, default_ttl, load_policy
from cipipe.risk.policy.service import BUNDLE_FILES, serve_policy
from tests.conftest import CliResult
from tests.support.loopback import free_port, serve_http
from tests.support.policyserver import SHIPPED, clock, no_sleep, reply, running, set_weight

TTL = 300
T0 = 1_000_000.0


@dataclass
class Proxy:
    """Forwards to the real server and records (If-None-Match, status) per request."""

    target: str
    seen: list[tuple[str | None, int]] = field(default_factory=list)

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {}
        if handler.headers.get("If-None-Match"):
            headers["If-None-Match"] = handler.headers["If-None-Match"]
        answer = requests.get(self.target + handler.path, headers=headers, timeout=10)
        self.seen.append((headers.get("If-None-Match"), answer.status_code))
        reply(handler, answer.status_code, answer.content, dict(answer.headers))


@contextmanager
def proxied(folder: Path) -> Iterator[tuple[str, Proxy]]:
    with running(folder) as server:
        proxy = Proxy(server.url.removesuffix("/policy"))
        with serve_http(proxy) as url:
            yield url + "/policy", proxy


def test_server_answers_policy_version_304_and_404(bundle_dir: Path) -> None:
    version = load_policy_bundle(bundle_dir).version_id
    with running(bundle_dir) as server:
        answer = requests.get(server.url, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["ETag"] == f'"{version}"'
        assert answer.headers["X-Cipipe-Policy-Version"] == version
        document = answer.json()
        assert document["schema"] == "cipipe.policy-bundle/1"
        assert document["version_id"] == version
        assert document["files"] == {n: (bundle_dir / n).read_text() for n in BUNDLE_FILES}
        again = requests.get(server.url, headers={"If-None-Match": f'"{version}"'}, timeout=10)
        assert (again.status_code, again.content) == (304, b"")
        assert requests.get(server.url + "/version", timeout=10).text.strip() == version
        assert requests.get(server.url + "/other", timeout=10).status_code == 404


def test_fetch_equals_local_load(bundle_dir: Path, cache: Path) -> None:
    local = load_policy_bundle(bundle_dir)
    with running(bundle_dir) as server:
        fetched = load_policy(server.url, cache_dir=cache, ttl_seconds=TTL)
    assert fetched.version_id == local.version_id
    assert (fetched.weights, fetched.mapping, fetched.thresholds) == (
        local.weights,
        local.mapping,
        local.thresholds,
    )
    assert fetched.folder.parent == cache
    meta = json.loads((fetched.folder / META_FILE).read_text())
    assert meta["version_id"] == meta["etag"].strip('"') == local.version_id
    assert meta["url"] == server.url


def test_within_ttl_no_request_after_ttl_a_304(bundle_dir: Path, cache: Path) -> None:
    now, advance = clock()
    with proxied(bundle_dir) as (url, proxy):
        first = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)
        advance(TTL - 1)
        assert load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now) == first
        assert proxy.seen == [(None, 200)]
        advance(1)
        assert load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now) == first
        assert proxy.seen[1] == (f'"{first.version_id}"', 304)
        # The 304 restarted the TTL.
        advance(TTL - 1)
        load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)
        assert len(proxy.seen) == 2


def test_a_changed_bundle_is_fetched_after_the_ttl(bundle_dir: Path, cache: Path) -> None:
    now, advance = clock()
    with proxied(bundle_dir) as (url, proxy):
        old = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)
        set_weight(bundle_dir, 11)
        new_version = load_policy_bundle(bundle_dir).version_id
        assert new_version != old.version_id
        assert load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now) == old
        advance(TTL)
        new = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)
    assert new.version_id == new_version
    assert new.weights.weights.integration_failure == 11
    assert proxy.seen[-1] == (f'"{old.version_id}"', 200)
    assert load_policy_bundle(new.folder).version_id == new_version


def test_an_invalid_bundle_on_disk_keeps_the_last_good_one_served(
    bundle_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = load_policy_bundle(bundle_dir).version_id
    with running(bundle_dir) as server:
        (bundle_dir / METADATA_FILE).write_text("   \n")
        with caplog.at_level(logging.WARNING, logger="cipipe.policy"):
            answer = requests.get(server.url, timeout=10)
        assert answer.headers["ETag"] == f'"{good}"'
        assert answer.json()["files"][METADATA_FILE] == (SHIPPED / METADATA_FILE).read_text()
        assert f"still serving {good}" in caplog.text and METADATA_FILE in caplog.text
        (bundle_dir / METADATA_FILE).write_text("# Owners\nSRE\n")
        fixed = load_policy_bundle(bundle_dir).version_id
        assert requests.get(server.url + "/version", timeout=10).text.strip() == fixed


def test_serving_an_invalid_folder_is_an_input_error(bundle_dir: Path) -> None:
    (bundle_dir / WEIGHTS_FILE).unlink()
    with pytest.raises(InputError, match=WEIGHTS_FILE):
        serve_policy(bundle_dir)


@pytest.mark.parametrize("tamper", ["file", "etag"])
def test_a_tampered_bundle_is_refused_and_the_cache_kept(
    bundle_dir: Path, cache: Path, tamper: str
) -> None:
    honest = load_policy_bundle(bundle_dir)
    files = {n: (bundle_dir / n).read_text() for n in BUNDLE_FILES}
    mode = ["honest"]

    def answer(handler: BaseHTTPRequestHandler) -> None:
        served = dict(files)
        etag = honest.version_id
        if mode[0] == "tampered" and tamper == "file":
            served[WEIGHTS_FILE] = files[WEIGHTS_FILE].replace(
                "integration_failure: 10", "integration_failure: 9", 1
            )
            assert served[WEIGHTS_FILE] != files[WEIGHTS_FILE]
        elif mode[0] == "tampered":
            etag = "sha256:" + "0" * 64
        document = {
            "schema": "cipipe.policy-bundle/1",
            "version_id": honest.version_id,
            "git_commit": "abc123",
            "files": served,
        }
        reply(handler, 200, json.dumps(document).encode(), {"ETag": f'"{etag}"'})

    now, advance = clock()
    with serve_http(answer) as base:
        good = load_policy(base, cache_dir=cache, ttl_seconds=TTL, now=now)
        assert good.git_commit == "abc123"
        before = {p.name: p.read_bytes() for p in good.folder.iterdir()}
        mode[0] = "tampered"
        advance(TTL)
        with pytest.raises(InputError) as info:
            load_policy(base, cache_dir=cache, ttl_seconds=TTL, now=now)
    message = str(info.value)
    assert "does not match the served" in message and base in message
    if tamper == "file":
        assert f"served version id {honest.version_id}" in message
    assert {p.name: p.read_bytes() for p in good.folder.iterdir()} == before
    assert sorted(p.name for p in cache.iterdir()) == [good.folder.name]


def test_an_invalid_served_bundle_names_the_url_and_file(cache: Path) -> None:
    files = {n: (SHIPPED / n).read_text() for n in BUNDLE_FILES}
    files[METADATA_FILE] = ""
    document = {"schema": "cipipe.policy-bundle/1", "version_id": "sha256:x", "files": files}

    def answer(handler: BaseHTTPRequestHandler) -> None:
        reply(handler, 200, json.dumps(document).encode(), {})

    with serve_http(answer) as base, pytest.raises(InputError) as info:
        load_policy(base + "/policy", cache_dir=cache, ttl_seconds=TTL)
    assert info.value.file == f"{base}/policy {METADATA_FILE}"
    assert not cache.exists() or not list(cache.iterdir())


def test_server_down_without_a_cache_is_an_outside_error(cache: Path) -> None:
    url = f"http://ci:s3cret@127.0.0.1:{free_port()}/policy"
    with pytest.raises(OutsideSystemError) as info:
        load_policy(url, cache_dir=cache, ttl_seconds=TTL, sleep=no_sleep)
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_server_down_uses_the_cache_with_a_warning(
    bundle_dir: Path, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now, advance = clock()
    with running(bundle_dir) as server:
        url = server.url
        good = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)
    advance(3 * 3600)
    with caplog.at_level(logging.WARNING, logger="cipipe.policy"):
        again = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now, sleep=no_sleep)
    assert again == good
    assert "unreachable" in caplog.text and "cached 3h ago" in caplog.text


def test_busy_server_is_retried_honoring_retry_after(bundle_dir: Path, cache: Path) -> None:
    waits: list[float] = []
    calls = [0]
    with running(bundle_dir) as server:
        proxy = Proxy(server.url.removesuffix("/policy"))

        def answer(handler: BaseHTTPRequestHandler) -> None:
            calls[0] += 1
            if calls[0] == 1:
                reply(handler, 503, b"busy", {"Retry-After": "2"})
            else:
                proxy(handler)

        with serve_http(answer) as base:
            bundle = load_policy(base, cache_dir=cache, ttl_seconds=TTL, sleep=waits.append)
    assert bundle.version_id == load_policy_bundle(bundle_dir).version_id
    assert waits == [2.0]


def test_a_folder_spec_loads_the_folder(bundle_dir: Path, cache: Path) -> None:
    bundle = load_policy(str(bundle_dir), cache_dir=cache, ttl_seconds=TTL)
    assert bundle.folder == bundle_dir and not cache.exists()


def test_defaults_from_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"CIPIPE_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x"}) == Path(
        "/c/policy"
    )
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/cipipe/policy")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/cipipe/policy")
    assert default_ttl({}) == 300
    assert default_ttl({"CIPIPE_POLICY_TTL": "0"}) == 0
    for bad in ("5m", "-1"):
        with pytest.raises(InputError, match="CIPIPE_POLICY_TTL"):
            default_ttl({"CIPIPE_POLICY_TTL": bad})


def test_cli_serve_refuses_a_non_loopback_host(cli: Callable[..., CliResult]) -> None:
    result = cli("policy", "serve", "--dir", str(SHIPPED), "--host", "0.0.0.0")
    assert result.exit_code == 2
    stderr = result.stderr
    assert "--allow-remote" in stderr and stderr.count("\n") == 1


def test_cli_check_accepts_a_url(
    bundle_dir: Path, cache: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(cache))
    version = load_policy_bundle(bundle_dir).version_id
    with running(bundle_dir) as server:
        result = cli("policy", "check", server.url)
    assert result.exit_code == 0
    assert result.stdout == f"{server.url}: valid, version {version}\n"
    assert (cache / "policy").is_dir()
