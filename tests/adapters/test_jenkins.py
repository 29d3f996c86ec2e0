"""JenkinsClient against a real HTTP server on 127.0.0.1, and the request shape with responses."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from cipipe.adapters.jenkins import (
    BUILD_FIELDS,
    BearerAuth,
    JenkinsClient,
    auth_from_env,
    job_path,
)
from cipipe.errors import ExitCode, InputError, OutsideSystemError
from tests.support.jenkinsserver import FakeJenkins, recorded_builds, serve
from tests.support.sleeps import Sleeps

TOKEN = "jenkins-Token-0123456789"
BASIC = "Basic " + base64.b64encode(f"ci-bot:{TOKEN}".encode()).decode()


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    builds = recorded_builds()
    fake = FakeJenkins(
        jobs={"job/gateway": builds, "job/team/job/gateway": builds[:3], "job/empty": []},
        authorization=BASIC,
    )
    with serve(fake):
        yield fake


def client(url: str, sleeps: Sleeps | None = None, **options: object) -> JenkinsClient:
    env = {"JENKINS_USER": "ci-bot", "JENKINS_API_TOKEN": TOKEN}
    return JenkinsClient.from_env(
        url, env, page_size=3, timeout=5, sleep=Sleeps() if sleeps is None else sleeps, **options
    )


def test_pages_through_all_builds_until_an_empty_page(jenkins: FakeJenkins) -> None:
    builds = list(client(jenkins.url).builds("gateway"))
    assert [b.number for b in builds] == [27, 26, 25, 24, 23, 22, 21]
    trees = [seen.tree for seen in jenkins.seen]
    assert trees == [
        f"allBuilds[{BUILD_FIELDS}]{{0,3}}",
        f"allBuilds[{BUILD_FIELDS}]{{3,6}}",
        f"allBuilds[{BUILD_FIELDS}]{{6,9}}",
        f"allBuilds[{BUILD_FIELDS}]{{9,12}}",
    ]
    assert {seen.path for seen in jenkins.seen} == {"/job/gateway/api/json"}
    running, _, failed = builds[:3]
    assert running.result is None
    assert failed.result == "FAILURE"
    assert failed.started_at == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert failed.duration_ms == 95000
    assert [(c.commit_id, c.author, c.paths) for c in failed.changes] == [
        ("2525252525252525252525252525252525252501", "Ada Lovelace", ("net/http/parse.c",)),
        (
            "2525252525252525252525252525252525252502",
            "Alan Turing",
            ("core/alloc.c", "core/alloc.h"),
        ),
    ]
    assert builds[5].changes == ()


def test_job_in_a_folder(jenkins: FakeJenkins) -> None:
    assert [b.number for b in client(jenkins.url).builds("team/gateway")] == [27, 26, 25]
    assert jenkins.seen[0].path == "/job/team/job/gateway/api/json"


def test_empty_job_is_one_request(jenkins: FakeJenkins) -> None:
    assert list(client(jenkins.url).builds("empty")) == []
    assert len(jenkins.seen) == 1


def test_wrong_credentials_fail_at_once_without_the_secret(
    jenkins: FakeJenkins, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = JenkinsClient(jenkins.url, BearerAuth("wrong-Token-987654"), timeout=5)
    with pytest.raises(OutsideSystemError, match="authentication failed") as err:
        list(wrong.builds("gateway"))
    assert err.value.exit_code == ExitCode.OUTSIDE_FAILURE
    assert len(jenkins.seen) == 1, "401 must not be retried"
    assert jenkins.seen[0].authorization == "Bearer wrong-Token-987654"
    assert "wrong-Token-987654" not in str(err.value) + caplog.text
    assert "wrong-Token" not in repr(BearerAuth("wrong-Token-987654"))


def test_503_then_200_is_retried_after_retry_after(
    jenkins: FakeJenkins, caplog: pytest.LogCaptureFixture
) -> None:
    jenkins.fail_first["job/gateway"] = [(503, {"Retry-After": "2"}), (429, {})]
    sleeps = Sleeps()
    builds = list(client(jenkins.url, sleeps, backoff_seconds=0.5).builds("gateway"))
    assert len(builds) == 7
    assert sleeps == [2.0, 1.0], "Retry-After first, then our own doubling backoff"
    assert [s.tree for s in jenkins.seen[:3]] == [f"allBuilds[{BUILD_FIELDS}]{{0,3}}"] * 3
    assert "HTTP 503" in caplog.text
    assert TOKEN not in caplog.text


def test_always_503_gives_up_after_max_attempts(jenkins: FakeJenkins) -> None:
    jenkins.fail_first["job/gateway"] = [(503, {})] * 10
    sleeps = Sleeps()
    with pytest.raises(OutsideSystemError, match="unreachable: HTTP 503 after 3 attempts") as err:
        list(client(jenkins.url, sleeps, max_attempts=3).builds("gateway"))
    assert len(jenkins.seen) == 3
    assert sleeps == [1.0, 2.0]
    assert TOKEN not in str(err.value)


def test_unknown_job_is_bad_input(jenkins: FakeJenkins) -> None:
    with pytest.raises(InputError, match="job 'nope' not found") as err:
        list(client(jenkins.url).builds("nope"))
    assert err.value.exit_code == ExitCode.BAD_INPUT


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    url = f"http://ci-bot:{TOKEN}@127.0.0.1:{port}"
    with pytest.raises(OutsideSystemError, match="connection failed after 2 attempts") as err:
        list(client(url, sleeps, max_attempts=2).builds("gateway"))
    assert TOKEN not in str(err.value)
    assert f"http://127.0.0.1:{port}" in str(err.value)
    assert sleeps == [1.0]


def test_job_paths() -> None:
    assert job_path("gateway") == "job/gateway"
    assert job_path("/team/svc a/main/") == "job/team/job/svc%20a/job/main"
    assert job_path("team/feature%2Fx") == "job/team/job/feature%252Fx"
    for bad in ("", "/", "a//b"):
        with pytest.raises(InputError):
            job_path(bad)


def test_auth_from_env() -> None:
    assert auth_from_env({}) is None
    assert isinstance(auth_from_env({"JENKINS_TOKEN": TOKEN, "JENKINS_USER": "x"}), BearerAuth)
    with pytest.raises(InputError, match="together"):
        auth_from_env({"JENKINS_USER": "ci-bot"})


@responses.activate
def test_request_shape() -> None:
    """The exact request: path, tree with its range, auth header, JSON accepted."""
    base = "http://127.0.0.1:8080/jenkins"
    page = f"{base}/job/team/job/gateway/api/json"
    responses.add(responses.GET, page, json={"allBuilds": recorded_builds()[:2]})
    responses.add(responses.GET, page, json={"allBuilds": []})
    bearer = JenkinsClient.from_env(base + "/", {"JENKINS_TOKEN": TOKEN}, page_size=2)
    assert [b.number for b in bearer.builds("team/gateway")] == [27, 26]

    first, second = responses.calls
    query = parse_qs(urlsplit(first.request.url or "").query)
    assert query == {"tree": [f"allBuilds[{BUILD_FIELDS}]{{0,2}}"]}
    assert BUILD_FIELDS == (
        "number,result,timestamp,duration,changeSets[items[commitId,author[fullName],affectedPaths]]"
    )
    assert parse_qs(urlsplit(second.request.url or "").query)["tree"][0].endswith("{2,4}")
    assert first.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.request.headers["Accept"] == "application/json"

    responses.calls.reset()
    responses.add(responses.GET, page, json={"allBuilds": []})
    basic = JenkinsClient.from_env(base, {"JENKINS_USER": "ci-bot", "JENKINS_API_TOKEN": TOKEN})
    assert list(basic.builds("team/gateway")) == []
    assert responses.calls[0].request.headers["Authorization"] == BASIC
