"""decide-strategy --model-url over real HTTP on loopback: the model service scores the
decision exactly as the local model would; a dead, slow, erroring or lying service leaves it to
the local model, then the heuristic, and the decision records why."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from cipipe.contracts.loading import read_contract
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.risk.model.train import TrainedModel
from tests.risk.model.conftest import trained  # noqa: F401  (the session fixture)
from tests.risk.riskinputs import make_risk_inputs, write_workdir
from tests.steps.decide_strategy.model_policy import policy_with_model
from tests.steps.decide_strategy.modelservice import Cli, Setup, approved_setup, running
from tests.support.loopback import free_port, send, serve_http

DEADLINE = "0.5"


@pytest.fixture
def setup(cli: Cli, tmp_path: Path, trained: TrainedModel) -> Setup:  # noqa: F811
    return approved_setup(cli, tmp_path, trained)


def decide(
    cli: Cli, tmp_path: Path, setup: Setup, *extra: str | Path, work: str = "work"
) -> RiskDecision:
    folder = tmp_path / work
    write_workdir(folder, make_risk_inputs(), with_build_info_paths=["src/main.c"])
    result = cli(
        "--workdir", folder, "decide-strategy", "--policy", setup.policy, "--context",
        setup.context, "--db", setup.db, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return read_contract(RiskDecision, folder / "risk-decision.json")


def local(cli: Cli, tmp_path: Path, setup: Setup) -> RiskDecision:
    return decide(cli, tmp_path, setup, "--registry", setup.registry.root, work="local")


def same_decision(a: RiskDecision, b: RiskDecision) -> None:
    assert a.model is not None and b.model is not None
    assert (a.risk_score, a.score_before_clamp) == (b.risk_score, b.score_before_clamp)
    assert a.top_contributors == b.top_contributors
    assert (a.model_version, a.model.probability) == (b.model_version, b.model.probability)
    assert a.recommended_strategy == b.recommended_strategy


def test_the_service_scores_as_the_local_model_would(
    cli: Cli, tmp_path: Path, setup: Setup
) -> None:
    with running(setup) as server:
        # No registry here: only the service can have scored.
        served = decide(cli, tmp_path, setup, "--model-url", server.url, "--registry", tmp_path)
    assert served.model is not None and served.model.scored, served.model
    assert served.model.scored_by == "service" and served.model.service_fallback is None
    assert f"scored by the model service at {server.url}" in served.model.reason
    same_decision(served, local(cli, tmp_path, setup))


def fell_back_to_local(d: RiskDecision, why: str) -> None:
    assert d.model is not None and d.model.scored and d.model.scored_by == "local", d.model
    assert d.model.service_fallback is not None and why in d.model.service_fallback, d.model
    assert d.model.service_fallback.startswith("the model service at http://127.0.0.1:")


def test_a_dead_service_leaves_it_to_the_local_model(
    cli: Cli, tmp_path: Path, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_MODEL_URL", f"http://127.0.0.1:{free_port()}")
    d = decide(cli, tmp_path, setup, "--registry", setup.registry.root)
    fell_back_to_local(d, "cannot connect (ConnectionRefusedError), 3 attempts")
    same_decision(d, local(cli, tmp_path, setup))
    shown = cli("explain", tmp_path / "work" / "risk-decision.json")
    assert shown.exit_code == 0, shown.stderr
    assert d.model is not None
    assert f"Model service not used: {d.model.service_fallback}" in shown.stdout


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # lets a held handler go


def test_a_slow_service_past_the_deadline(
    cli: Cli, tmp_path: Path, setup: Setup, release: threading.Event
) -> None:
    def hold(h: BaseHTTPRequestHandler) -> None:
        # Held until the test is over; had the client waited, it would have seen a 500.
        release.wait(60)
        send(h, 500, {"error": "released"})

    with serve_http(hold) as url:
        d = decide(cli, tmp_path, setup, "--model-url", url, "--model-deadline", DEADLINE,
                   "--registry", setup.registry.root)  # fmt: skip
    fell_back_to_local(d, f"no answer within the {DEADLINE} s deadline")


def test_a_service_dripping_its_answer_past_the_deadline(
    cli: Cli, tmp_path: Path, setup: Setup, release: threading.Event
) -> None:
    """A byte every 50 ms never trips a per-read timeout: only the overall deadline stops it."""

    def drip(h: BaseHTTPRequestHandler) -> None:
        body = b"x" * 400
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for byte in body:  # 20 s at most; had the client waited, a malformed answer
            if release.wait(0.05):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()

    with serve_http(drip) as url:
        d = decide(cli, tmp_path, setup, "--model-url", url, "--model-deadline", DEADLINE,
                   "--registry", setup.registry.root)  # fmt: skip
    fell_back_to_local(d, f"no answer within the {DEADLINE} s deadline")


def test_an_erroring_service_is_retried_then_left(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    seen: list[str] = []

    def broken(h: BaseHTTPRequestHandler) -> None:
        seen.append(h.path)
        send(h, 500, {"error": "model exploded", "field": None})

    with serve_http(broken) as url:
        d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", setup.registry.root)
    fell_back_to_local(d, "HTTP 500: model exploded, 3 attempts")
    assert seen == ["/v1/score"] * 3


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("<html>oops</html>", "malformed answer"),
        ({"schema": "cipipe.model-score/1", "risk_score": "high"}, "malformed answer"),
        ({"schema": "cipipe.other/1"}, "malformed answer"),
    ],
    ids=["not-json", "wrong-types", "other-schema"],
)
def test_a_malformed_answer_is_not_used(
    cli: Cli, tmp_path: Path, setup: Setup, body: object, why: str
) -> None:
    with serve_http(lambda h: send(h, 200, body)) as url:
        d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", setup.registry.root)
    fell_back_to_local(d, why)


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("risk_score", 99, "differs from the"),
        ("policy_version", "sha256:" + "0" * 64, "it scored with policy sha256:00000000000"),
        ("model_version", "m-20260101T000000Z-deadbeef", "it scored with model m-2026"),
        ("base", 9.0, "differs from the"),
        ("row", "doubled", "this decision's inputs are"),
    ],
)
def test_an_answer_that_does_not_check_out_is_not_used(
    cli: Cli, tmp_path: Path, setup: Setup, field: str, value: object, why: str
) -> None:
    """The real service's answer, one field changed on the way: caught, not trusted."""
    with running(setup) as server:

        def tamper(h: BaseHTTPRequestHandler) -> None:
            body = h.rfile.read(int(h.headers["Content-Length"]))
            answer = requests.post(f"{server.url}/v1/score", data=body, timeout=30).json()
            if value == "doubled":  # the same names, other values
                send(h, 200, {**answer, field: {k: 2 * v + 1 for k, v in answer[field].items()}})
            else:
                send(h, 200, {**answer, field: value})

        with serve_http(tamper) as url:
            d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", setup.registry.root)
    fell_back_to_local(d, why)


def test_without_a_local_model_the_heuristic_decides(
    cli: Cli, tmp_path: Path, setup: Setup
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", tmp_path / "none")
    assert d.model is not None and not d.model.scored and d.model.scored_by is None
    assert d.model_version is None and d.model.reason.startswith("the heuristic decided: ")
    assert d.model.service_fallback is not None and "cannot connect" in d.model.service_fallback
    assert "lines_changed" in {c.feature for c in d.top_contributors}


def test_a_policy_without_a_model_does_not_ask_the_service(
    cli: Cli, tmp_path: Path, setup: Setup
) -> None:
    seen: list[str] = []

    def count(h: BaseHTTPRequestHandler) -> None:
        seen.append(h.path)
        send(h, 500, {})

    plain = Setup(
        setup.registry, policy_with_model(tmp_path / "plain", None), setup.db, setup.context, ""
    )
    with serve_http(count) as url:
        d = decide(cli, tmp_path, plain, "--model-url", url)
    assert d.model is None and seen == []


@pytest.mark.parametrize(
    "url", ["ftp://models.example", "http://", "http://host:port", "models.example:8766"]
)
def test_a_model_url_that_is_not_http_is_bad_usage(
    cli: Cli, tmp_path: Path, setup: Setup, url: str
) -> None:
    work = tmp_path / "work"
    write_workdir(work, make_risk_inputs())
    result = cli("--workdir", work, "decide-strategy", "--policy", setup.policy,
                 "--db", setup.db, "--model-url", url)  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "--model-url" in result.stderr and "is not a model service URL" in result.stderr
    assert not (work / "risk-decision.json").exists()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_model_serve_process_scores_then_stops_cleanly(
    cli: Cli, tmp_path: Path, setup: Setup, stop: signal.Signals
) -> None:
    command = [
        sys.executable, "-m", "cipipe", "model", "serve", "--registry", str(setup.registry.root),
        "--policy", str(setup.policy), "--db", str(setup.db), "--port", "0",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "serving model V at URL (policy P)"
        assert f"serving model {setup.version} at http://127.0.0.1:" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", tmp_path)
        assert d.model is not None and d.model.scored_by == "service", d.model
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"stopped ({stop.name})" in out
    same_decision(d, local(cli, tmp_path, setup))
    assert (
        json.loads((tmp_path / "work" / "risk-decision.json").read_text())["model"]["scored_by"]
        == "service"
    )


def test_without_the_model_extra_a_service_outage_leaves_it_to_the_heuristic(
    cli: Cli, tmp_path: Path, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent that relies on the service need not install LightGBM: when the service is down
    the heuristic decides. Without --model-url that agent's decision is exit 2 naming the extra."""
    from cipipe import extras

    real = extras.installed
    monkeypatch.setattr(extras, "installed", lambda module: module != "lightgbm" and real(module))
    url = f"http://127.0.0.1:{free_port()}"
    d = decide(cli, tmp_path, setup, "--model-url", url, "--registry", setup.registry.root)
    assert d.model is not None and not d.model.scored and d.model.service_fallback is not None
    assert "no local model: " in d.model.reason and "'model' extra" in d.model.reason
    work = tmp_path / "alone"
    write_workdir(work, make_risk_inputs())
    alone = cli("--workdir", work, "decide-strategy", "--policy", setup.policy, "--db", setup.db,
                "--registry", setup.registry.root)  # fmt: skip
    assert alone.exit_code == 2 and "'model' extra" in alone.stderr


def test_model_serve_refuses_what_it_cannot_serve(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    plain = policy_with_model(tmp_path / "plain", None)
    args = ("model", "serve", "--registry", setup.registry.root, "--db", setup.db, "--port", "0")
    no_model = cli(*args, "--policy", plain)
    assert no_model.exit_code == 2, no_model.stderr
    assert "model.version" in no_model.stderr and "nothing to serve" in no_model.stderr
    remote = cli(*args, "--policy", setup.policy, "--host", "0.0.0.0")
    assert remote.exit_code == 2, remote.stderr
    assert "--host" in remote.stderr and "--allow-remote" in remote.stderr


def test_credentials_in_the_url_are_sent_and_never_recorded(
    cli: Cli, tmp_path: Path, setup: Setup
) -> None:
    seen: list[str | None] = []

    def guarded(h: BaseHTTPRequestHandler) -> None:
        seen.append(h.headers.get("Authorization"))
        send(h, 401, {"error": "who are you"})

    with serve_http(guarded) as url:
        secret_url = url.replace("http://", "http://bot:s3cr%40t@")
        d = decide(cli, tmp_path, setup, "--model-url", secret_url, "--registry", tmp_path)
    assert seen == ["Basic Ym90OnMzY3JAdA=="]  # bot:s3cr@t, once: a 401 is final
    assert d.model is not None and d.model.service_fallback is not None
    assert f"the model service at {url} did not score: HTTP 401: who are you" in (
        d.model.service_fallback
    )
    assert "s3cr" not in (tmp_path / "work" / "risk-decision.json").read_text()


def test_a_served_decision_loads_neither_the_model_nor_requests(
    tmp_path: Path, setup: Setup
) -> None:
    """The point of the service: the agent that decides pays for no model (numpy, LightGBM)
    and, as the client is http.client, for no requests either (bench_model_service times it)."""
    from tests.cli.imports import modules_after

    work = write_workdir(tmp_path / "work", with_build_info_paths=["src/main.c"]).path
    with running(setup) as server:
        modules = modules_after(
            tmp_path,
            *("--workdir", str(work), "decide-strategy", "--policy", str(setup.policy)),
            *("--db", str(setup.db), "--context", str(setup.context), "--model-url", server.url),
        )
    decision = read_contract(RiskDecision, work / "risk-decision.json")
    assert decision.model is not None and decision.model.scored_by == "service"
    assert not {"numpy", "lightgbm", "sklearn", "requests", "urllib3"} & modules


def test_a_fallback_is_logged_in_one_line(cli: Cli, tmp_path: Path, setup: Setup) -> None:
    work = tmp_path / "work"
    write_workdir(work, make_risk_inputs(), with_build_info_paths=["src/main.c"])
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("--workdir", work, "decide-strategy", "--policy", setup.policy, "--context",
                 setup.context, "--db", setup.db, "--model-url", url,
                 "--registry", setup.registry.root)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "did not score" in line]
    assert len(lines) == 1, result.stderr
    assert "WARNING" in lines[0] and f"the model service at {url} did not score" in lines[0]
    assert lines[0].endswith("the local model or the heuristic decides")
