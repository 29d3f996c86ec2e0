"""A real `cipipe publish` process stopped while it marks the files (the loopback Artifactory
stalls the third mark): SIGKILL leaves files "candidate" without the completion marker, which
bundle and checklist refuse, and the next run finishes the job; SIGTERM and SIGINT end it with
one line, exit 143 and 130, no traceback and no marker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.rest import CHECKSUM_DEPLOY_MIN_BYTES
from cipipe.steps.publish.completion import fileset_digest
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.steps.publish.helpers import TOKEN, lock_held_elsewhere, marker, planned, states
from tests.support.artifactoryserver import FakeArtifactory, serve

Cli = Callable[..., CliResult]
STALLED_MARK = 3  # the mark request the store stalls: two files are candidates by then
WAIT_SECONDS = 120.0  # a generous bound for a loaded machine; the test never sleeps it out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    monkeypatch.delenv("CIPIPE_ARTIFACTORY_URL", raising=False)
    server = FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})
    server.stall_seconds = WAIT_SECONDS  # released when the server stops
    with serve(server) as served:
        yield served


def _sigint_as_python_default() -> None:
    # A shell may start a background job with SIGINT ignored, and Python keeps an ignored
    # SIGINT ignored; an interactive cipipe has the default, which this test is about.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stalled_publish(fake: FakeArtifactory, work: Path) -> subprocess.Popen[str]:
    """`python -m cipipe publish` against ``fake``, returned once it waits on the stalled mark."""
    marks_before = fake.kinds().count("set_properties")
    fake.fail("set_properties", *["pass"] * (STALLED_MARK - 1), "stall")
    process = subprocess.Popen(
        [sys.executable, "-m", "cipipe", "--workdir", str(work), "publish", "--target", fake.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CIPIPE_ARTIFACTORY_TOKEN": TOKEN},
        preexec_fn=_sigint_as_python_default,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while fake.kinds().count("set_properties") < marks_before + STALLED_MARK:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            pytest.fail(f"publish never reached the stalled mark: {err}")
        time.sleep(0.02)
    return process


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, err = process.communicate(timeout=WAIT_SECONDS)
    return process.returncode, err


def test_killed_while_marking_then_rerun(
    cli: Cli, fake: FakeArtifactory, workdir: WorkDir, tmp_path: Path
) -> None:
    items = planned(workdir)
    # A first publish completed; publish.json says so. The rerun of the same build is killed.
    assert cli("--workdir", workdir.path, "publish", "--target", fake.url).exit_code == 0
    process = stalled_publish(fake, workdir.path)
    code, _ = stop(process, signal.SIGKILL)
    assert code == -signal.SIGKILL
    found = states(fake, items)
    assert list(found.values()).count("candidate") == STALLED_MARK - 1
    assert "uploading" in found.values() and marker(fake) is None

    # What the killed run left is refused by every reader that would ship or approve it.
    (tmp_path / "bundle.yaml").write_text("bundle: gw\nmembers:\n  - {service: svc}\n")
    bundle = ["bundle", "--spec", tmp_path / "bundle.yaml", "--target", fake.url, "--build-id", "1"]
    result = cli("--workdir", tmp_path / "b", *bundle)
    assert result.exit_code == 1, result.stderr
    assert "no complete candidate of svc" in result.stderr
    assert "no completion marker" in result.stderr
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text("service: svc\nsupports: [linux, arm, windows]\n")
    checklist = ["--workdir", workdir.path, "checklist", "--repo", repo, "--target", fake.url]
    result = cli(*checklist)
    assert result.exit_code == 1
    assert "✗ complete candidate (completion marker): svc/7 in" in result.stdout
    assert "no completion marker" in result.stdout

    # The next run finishes the job: no artifact byte sent again, the marker written last.
    before = fake.bytes_received
    result = cli("--workdir", workdir.path, "publish", "--target", fake.url)
    assert result.exit_code == 0, result.stderr
    small = sum(i.file.size for i in items if i.file.size < CHECKSUM_DEPLOY_MIN_BYTES)
    assert fake.bytes_received - before == small
    assert set(states(fake, items).values()) == {"candidate"}
    assert marker(fake) == fileset_digest((i.path, i.file.sha256) for i in items)
    assert fake.seen[-1].kind == "set_properties" and "svc/7/build-info.json" in fake.seen[-1].path
    assert cli("--workdir", tmp_path / "b", *bundle).exit_code == 0
    assert "✓ complete candidate (completion marker)" in cli(*checklist).stdout


@pytest.mark.parametrize(
    ("signum", "exit_code", "line"),
    [(signal.SIGTERM, 143, "cipipe: terminated"), (signal.SIGINT, 130, "cipipe: interrupted")],
)
def test_terminated_or_interrupted_while_marking(
    cli: Cli,
    fake: FakeArtifactory,
    workdir: WorkDir,
    signum: signal.Signals,
    exit_code: int,
    line: str,
) -> None:
    items = planned(workdir)
    process = stalled_publish(fake, workdir.path)
    code, err = stop(process, signum)
    assert code == exit_code, err
    assert err.strip().splitlines()[-1] == line
    assert "Traceback" not in err
    assert marker(fake) is None and "candidate" in states(fake, items).values()
    assert not (workdir.path / "publish.json").exists()
    # The lock went with the process, and the rerun completes.
    assert cli("--workdir", workdir.path, "publish", "--target", fake.url).exit_code == 0
    assert marker(fake) is not None
    report = json.loads((workdir.path / "publish.json").read_text())
    assert report["files_skipped"] >= 3  # every artifact already stored


@pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="sees the wait for the lock in Linux's /proc"
)
def test_terminated_while_waiting_for_the_lock(workdir: WorkDir) -> None:
    """Waiting for another cipipe's lock is part of the publish too: SIGTERM ends it cleanly."""
    with lock_held_elsewhere(workdir.path):
        process = subprocess.Popen(
            [sys.executable, "-m", "cipipe", "--workdir", str(workdir.path), "publish"],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CIPIPE_LOCK_TIMEOUT": str(WAIT_SECONDS)},
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while not _has_lock_file_open(process.pid):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        code, err = stop(process, signal.SIGTERM)
    assert (code, err.strip()) == (143, "cipipe: terminated")
    assert not (workdir.path.parent / "cipipe-store").exists()  # the default store


def _has_lock_file_open(pid: int) -> bool:
    """Whether the process has the work folder's lock file open (Linux /proc)."""
    try:
        return any(fd.readlink().name == ".lock" for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
