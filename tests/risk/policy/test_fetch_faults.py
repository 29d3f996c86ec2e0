"""The policy fetch against servers that misbehave: a bundle that is not pinned (even with a
recomputed version id), a slow drip, redirects, deep nesting, huge and odd answers.

Every server is real HTTP on 127.0.0.1: `cipipe policy serve` (in a thread or as its own
process) or a loopback server with one fault.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from cipipe.contracts.risk_decision import RiskDecision
from cipipe.errors import ExitCode, InputError, OutsideSystemError
from cipipe.risk.policy.bundle import METADATA_FILE, load_policy_bundle
from cipipe.risk.policy.fetch import default_deadline, load_policy
from cipipe.risk.policy.http import MAX_BODY_BYTES, MAX_JSON_DEPTH
from cipipe.risk.policy.pin import parse_pins
from cipipe.risk.policy.service import BUNDLE_FILES, policy_document
from tests.conftest import CliResult
from tests.risk.riskinputs import write_workdir
from tests.support.loopback import serve_http
from tests.support.policyserver import clock, no_sleep, reply, running, set_weight

Cli = Callable[..., CliResult]
Handler = Callable[[BaseHTTPRequestHandler], None]
TTL = 300
OTHER_PIN = "sha256:" + "0" * 64
# A hang detector, not a speed target: each of these fetches is given a 1 s deadline.
HANG_LIMIT_SECONDS = 15.0


@pytest.fixture(autouse=True)
def _no_policy_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("CIPIPE_POLICY", "CIPIPE_POLICY_PIN", "CIPIPE_POLICY_DEADLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(tmp_path / "cli-cache"))


def served_document(folder: Path) -> bytes:
    files = {name: (folder / name).read_text() for name in BUNDLE_FILES}
    return policy_document(load_policy_bundle(folder).version_id, None, files)


def cached_folders(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


# --- the pin -------------------------------------------------------------------------------


def test_a_pinned_version_is_accepted_among_others(bundle_dir: Path, cache: Path) -> None:
    version = load_policy_bundle(bundle_dir).version_id
    pins = parse_pins(f" {OTHER_PIN} , {version.upper().replace('SHA256', 'sha256')} ")
    with running(bundle_dir) as server:
        bundle = load_policy(server.url, cache_dir=cache, ttl_seconds=TTL, pins=pins)
    assert bundle.version_id == version


def test_a_recomputed_bundle_is_refused_by_the_pin(bundle_dir: Path, cache: Path) -> None:
    """The server's content, version id, ETag and header all agree: only the pin says no."""
    pinned = load_policy_bundle(bundle_dir).version_id
    set_weight(bundle_dir, 1)
    other = load_policy_bundle(bundle_dir).version_id
    with running(bundle_dir) as server, pytest.raises(InputError) as caught:
        load_policy(server.url, cache_dir=cache, ttl_seconds=TTL, pins={pinned})
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert f"policy {other} is not a pinned version" in message
    assert server.url in message and pinned in message and "CIPIPE_POLICY_PIN" in message
    assert cached_folders(cache) == []  # a refused bundle never reaches the cache


def test_the_cache_does_not_bypass_the_pin(
    bundle_dir: Path, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now, advance = clock()
    old = load_policy_bundle(bundle_dir).version_id
    seen: list[str | None] = []
    with running(bundle_dir) as server:

        def recording_proxy(handler: BaseHTTPRequestHandler) -> None:
            seen.append(handler.headers.get("If-None-Match"))
            answer = requests.get(server.url, timeout=10)
            reply(handler, answer.status_code, answer.content, dict(answer.headers))

        with serve_http(recording_proxy) as base:
            url = base + "/policy"
            load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now)  # caches `old`
            set_weight(bundle_dir, 11)
            new = load_policy_bundle(bundle_dir).version_id
            # Within the TTL the unpinned copy would be used with no request at all.
            fetched = load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now, pins={new})
            assert fetched.version_id == new
            assert seen == [None, None]  # no If-None-Match: a 304 could not bless `old`
            with pytest.raises(InputError, match="is not a pinned version"):
                load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now, pins={old})
    advance(TTL + 1)
    with (
        caplog.at_level(logging.INFO, logger="cipipe.policy"),
        pytest.raises(OutsideSystemError, match="no usable cached copy"),
    ):
        load_policy(url, cache_dir=cache, ttl_seconds=TTL, now=now, sleep=no_sleep, pins={old})
    assert f"the cached policy {new} is not pinned" in caplog.text


def test_a_folder_is_pinned_too(bundle_dir: Path, cli: Cli) -> None:
    version = load_policy_bundle(bundle_dir).version_id
    assert cli("policy", "check", bundle_dir, "--policy-pin", version).exit_code == 0
    refused = cli("policy", "check", bundle_dir, "--policy-pin", OTHER_PIN)
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1
    assert f"{bundle_dir}: --policy-pin / CIPIPE_POLICY_PIN: policy {version}" in refused.stderr


@pytest.mark.parametrize("pin", ["sha256:abc", "deadbeef" * 8, f"{'0' * 64}", "sha256:,"])
def test_a_malformed_pin_is_bad_usage(
    bundle_dir: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, pin: str
) -> None:
    monkeypatch.setenv("CIPIPE_POLICY_PIN", pin)
    result = cli("policy", "check", bundle_dir)
    assert result.exit_code == 2
    assert "CIPIPE_POLICY_PIN" in result.stderr and "sha256:<64 hex digits>" in result.stderr


def test_the_environment_pin_applies_and_the_flag_wins(
    bundle_dir: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = load_policy_bundle(bundle_dir).version_id
    monkeypatch.setenv("CIPIPE_POLICY_PIN", f"{OTHER_PIN},{version}")
    assert cli("policy", "check", bundle_dir).exit_code == 0
    monkeypatch.setenv("CIPIPE_POLICY_PIN", OTHER_PIN)
    assert cli("policy", "check", bundle_dir).exit_code == 2
    assert cli("policy", "check", bundle_dir, "--policy-pin", version).exit_code == 0


@contextmanager
def policy_server_process(folder: Path) -> Iterator[str]:
    """A real `cipipe policy serve` process on a free loopback port; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cipipe", "policy", "serve", "--dir", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "serving DIR at URL, version ID"
        assert " at http://" in line, line + (process.stderr.read() if process.stderr else "")
        yield line.split(" at ", 1)[1].split(",", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_decide_strategy_refuses_an_unpinned_served_policy_before_writing(
    bundle_dir: Path, tmp_path: Path, cli: Cli
) -> None:
    work = write_workdir(tmp_path / "work").path
    pinned = load_policy_bundle(bundle_dir).version_id
    set_weight(bundle_dir, 12)
    db = tmp_path / "history.sqlite3"
    with policy_server_process(bundle_dir) as url:
        args = ("--workdir", work, "decide-strategy", "--policy", url, "--db", db)
        refused = cli(*args, "--policy-pin", pinned)
        assert refused.exit_code == 2, refused.stderr
        assert "is not a pinned version" in refused.stderr
        assert not (work / RiskDecision.FILE_NAME).exists() and not db.exists()
        current = load_policy_bundle(bundle_dir).version_id
        accepted = cli(*args, "--policy-pin", f"{pinned},{current}")
    assert accepted.exit_code == 0, accepted.stderr
    decision = json.loads((work / RiskDecision.FILE_NAME).read_text())
    assert decision["policy"]["version"] == current


# --- the overall deadline ------------------------------------------------------------------


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # lets a dripping handler go


def dripping(body: bytes, stop: threading.Event, *, headers_too: bool = False) -> Handler:
    """A handler that sends one byte every 50 ms (of the headers too, if asked: they alone
    would take a minute, so a reader bounded only per read stays far past the deadline)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        padding = f"X-Padding: {'p' * 1200}\r\n" if headers_too else ""
        head = (
            f"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n{padding}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        out = (head if headers_too else b"") + body
        if not headers_too:
            handler.wfile.write(head)
        for byte in out:
            if stop.wait(0.05):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:
                return

    return answer


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_slow_drip_is_cut_at_the_deadline(
    bundle_dir: Path, cache: Path, stop: threading.Event, headers_too: bool
) -> None:
    body = served_document(bundle_dir)
    with serve_http(dripping(body, stop, headers_too=headers_too)) as base:
        started = time.monotonic()
        with pytest.raises(OutsideSystemError) as caught:
            load_policy(base, cache_dir=cache, ttl_seconds=TTL, deadline_seconds=1.0)
        elapsed = time.monotonic() - started
        stop.set()
    assert "no complete answer within the 1s deadline" in str(caught.value)
    assert caught.value.exit_code == ExitCode.OUTSIDE_FAILURE
    assert elapsed < HANG_LIMIT_SECONDS  # the drip alone would take minutes


def test_a_slow_drip_falls_back_to_the_cached_copy(
    bundle_dir: Path, cache: Path, stop: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    now, advance = clock()
    body = served_document(bundle_dir)
    fast = [True]

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if fast[0]:
            reply(handler, 200, body, {})
        else:
            dripping(body, stop)(handler)

    with serve_http(answer) as base:
        good = load_policy(base, cache_dir=cache, ttl_seconds=TTL, now=now)
        fast[0] = False
        advance(TTL)
        with caplog.at_level(logging.WARNING, logger="cipipe.policy"):
            again = load_policy(base, cache_dir=cache, ttl_seconds=TTL, now=now, deadline_seconds=1)
        stop.set()
    assert again == good
    assert "within the 1s deadline" in caplog.text and "using the copy cached" in caplog.text


def test_retries_and_their_waits_count_against_the_deadline(cache: Path) -> None:
    """Retry-After 2 s twice would need 4 s; a 3 s deadline allows the first wait only."""
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    calls = [0]

    def busy(handler: BaseHTTPRequestHandler) -> None:
        calls[0] += 1
        reply(handler, 503, b"busy", {"Retry-After": "2"})

    with serve_http(busy) as base, pytest.raises(OutsideSystemError) as caught:
        load_policy(
            base,
            cache_dir=cache,
            ttl_seconds=TTL,
            deadline_seconds=3,
            sleep=sleep,
            clock=lambda: now[0],
        )
    assert (calls[0], waits) == (2, [2.0])
    assert "HTTP 503; the 3s deadline leaves no time for attempt 3 of 3" in str(caught.value)


@pytest.mark.parametrize("text", ["0", "-1", "soon", "nan", "inf"])
def test_a_bad_deadline_is_bad_usage(text: str) -> None:
    with pytest.raises(InputError, match="CIPIPE_POLICY_DEADLINE"):
        default_deadline({"CIPIPE_POLICY_DEADLINE": text})


def test_the_deadline_comes_from_the_environment_or_the_flag(
    bundle_dir: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, stop: threading.Event
) -> None:
    assert default_deadline({}) == 30.0
    assert default_deadline({"CIPIPE_POLICY_DEADLINE": " 2.5 "}) == 2.5
    assert cli("policy", "check", bundle_dir, "--policy-deadline", "0").exit_code == 2
    body = served_document(bundle_dir)
    with serve_http(dripping(body, stop)) as base:
        monkeypatch.setenv("CIPIPE_POLICY_DEADLINE", "0.5")
        from_env = cli("policy", "check", base)
        flag = cli("policy", "check", base, "--policy-deadline", "0.7")
        stop.set()
    assert from_env.exit_code == 3 and "within the 0.5s deadline" in from_env.stderr
    assert flag.exit_code == 3 and "within the 0.7s deadline" in flag.stderr


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(bundle_dir: Path, cache: Path, status: int) -> None:
    body = served_document(bundle_dir)
    elsewhere: list[str] = []

    def target(handler: BaseHTTPRequestHandler) -> None:
        elsewhere.append(handler.path)
        reply(handler, 200, body, {})

    with serve_http(target) as other:
        location = other.replace("http://", "http://bot:s3cret@") + "/policy"

        def redirect(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with serve_http(redirect) as base, pytest.raises(OutsideSystemError) as caught:
            load_policy(base, cache_dir=cache, ttl_seconds=TTL)
    message = str(caught.value)
    assert f"answered HTTP {status}, redirecting to {other}/policy" in message
    assert "redirects are not followed" in message and "s3cret" not in message
    assert elsewhere == []


# --- hostile answers -----------------------------------------------------------------------


def serve_body(body: bytes, headers: dict[str, str] | None = None) -> Handler:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deep_nesting_is_an_outside_failure_not_a_recursion_error(
    cli: Cli, depth: int, tmp_path: Path
) -> None:
    body = b"[" * depth + b"]" * depth
    with serve_http(serve_body(body)) as base:
        result = cli("policy", "check", base)
    assert result.exit_code == 3, result.stderr
    assert f"JSON nested deeper than {MAX_JSON_DEPTH} levels" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_brackets_inside_strings_are_not_nesting(bundle_dir: Path, cache: Path) -> None:
    metadata = bundle_dir / METADATA_FILE
    metadata.write_text(metadata.read_text() + "\n" + "[{" * 200 + ' \\" ' + "}]" * 200 + "\n")
    body = served_document(bundle_dir)
    with serve_http(serve_body(body)) as base:
        bundle = load_policy(base, cache_dir=cache, ttl_seconds=TTL)
    assert bundle.version_id == load_policy_bundle(bundle_dir).version_id


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_huge_answer_is_refused(cache: Path, declared: bool, stop: threading.Event) -> None:
    """Refused as soon as its length says so, or once that much has arrived."""
    size = MAX_BODY_BYTES + 1

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if declared:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()  # HTTP/1.0: without a length the body ends when we close
        if declared:  # a few bytes, then nothing: only the declared length can tell
            handler.wfile.write(b"{}  ")
            handler.wfile.flush()
            stop.wait(HANG_LIMIT_SECONDS)
            return
        chunk = b" " * 65536
        try:
            for _ in range(size // len(chunk) + 1):
                handler.wfile.write(chunk)
        except OSError:
            return

    with serve_http(answer) as base, pytest.raises(OutsideSystemError) as caught:
        load_policy(base, cache_dir=cache, ttl_seconds=TTL, deadline_seconds=2)
    stop.set()
    assert "an answer larger than 1 MiB" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "headers", "text"),
    [
        (b"<html>not a policy</html>", {}, "is not JSON"),
        (b"\xff\xfe{", {}, "is not JSON"),
        (b'{"schema": 1}', {"Content-Encoding": "gzip"}, "gzip-encoded answer"),
    ],
    ids=["html", "bytes", "compressed"],
)
def test_an_unreadable_answer_is_an_outside_failure(
    cli: Cli, body: bytes, headers: dict[str, str], text: str
) -> None:
    with serve_http(serve_body(body, headers)) as base:
        result = cli("policy", "check", base)
    assert result.exit_code == 3 and text in result.stderr, result.stderr


def test_a_lone_surrogate_in_a_file_is_bad_input_not_a_crash(bundle_dir: Path, cli: Cli) -> None:
    document = json.loads(served_document(bundle_dir))
    document["files"][METADATA_FILE] += "\ud800"
    body = json.dumps(document).encode()  # ASCII: the surrogate travels as \\ud800
    with serve_http(serve_body(body)) as base:
        result = cli("policy", "check", base)
    assert result.exit_code == 2, result.stderr
    assert f"files.{METADATA_FILE}" in result.stderr and "UTF-8" in result.stderr
