"""`cipipe policy serve`, as a real process on 127.0.0.1, never serves a symbolic link.

The "secret" here is itself a valid policy file with a marker in a comment: without the
refusal the server would validate it and send it to anyone who asks.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import yaml

from cipipe.risk.policy.bundle import WEIGHTS_FILE, load_policy_bundle
from tests.support.policyserver import SHIPPED

MARKER = "TOPSECRET-host-file"
START_SECONDS = 60


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A host file outside the policy folder that happens to parse as a weights file."""
    data = yaml.safe_load((SHIPPED / WEIGHTS_FILE).read_text())
    data["weights"]["integration_failure"] = 13
    path = tmp_path / "host" / "weights.yaml"
    path.parent.mkdir()
    path.write_text(f"# {MARKER}\n" + yaml.safe_dump(data))
    return path


def serve_command(folder: Path) -> list[str]:
    serve = ["policy", "serve", "--dir", str(folder), "--host", "127.0.0.1", "--port", "0"]
    return [sys.executable, "-u", "-m", "cipipe", *serve]


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """The URL of a running `cipipe policy serve`, stopped (by its pid) afterwards."""
    server = subprocess.Popen(
        serve_command(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], START_SECONDS)
        assert ready, "cipipe policy serve printed nothing"
        first = server.stdout.readline()  # "serving DIR at URL, version V"
        assert " at http://127.0.0.1:" in first, first + (
            server.stderr.read() if server.stderr else ""
        )
        yield first.split(" at ", 1)[1].split(",", 1)[0]
    finally:
        server.terminate()
        server.wait(timeout=30)


def touch_later(path: Path) -> None:
    # The server notices a change by (mtime, size); make the mtime move for certain.
    info = os.lstat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000), follow_symlinks=False)


def test_a_linked_file_at_start_up_is_exit_2(bundle_dir: Path, secret: Path) -> None:
    (bundle_dir / WEIGHTS_FILE).unlink()
    (bundle_dir / WEIGHTS_FILE).symlink_to(secret)
    result = subprocess.run(
        serve_command(bundle_dir), capture_output=True, text=True, timeout=START_SECONDS
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"{bundle_dir / WEIGHTS_FILE}: is a symbolic link" in line
    assert MARKER not in result.stdout + result.stderr


def test_a_linked_folder_at_start_up_is_exit_2(bundle_dir: Path, tmp_path: Path) -> None:
    alias = tmp_path / "current"
    alias.symlink_to(bundle_dir)
    result = subprocess.run(
        serve_command(alias), capture_output=True, text=True, timeout=START_SECONDS
    )
    assert result.returncode == 2 and "current: is a symbolic link" in result.stderr


def test_a_file_swapped_for_a_link_while_serving_is_never_served(
    bundle_dir: Path, secret: Path
) -> None:
    good = load_policy_bundle(bundle_dir).version_id
    with serving(bundle_dir) as url:
        assert requests.get(url, timeout=10).json()["version_id"] == good
        weights = bundle_dir / WEIGHTS_FILE
        weights.unlink()
        weights.symlink_to(secret)
        touch_later(weights)
        for _ in range(3):  # the refusal is remembered per change, not only once
            answer = requests.get(url, timeout=10)
            assert answer.status_code == 200 and answer.json()["version_id"] == good
            assert MARKER not in answer.text
        assert requests.get(url + "/version", timeout=10).text.strip() == good
        # A real file with the same content is a change like any other: it is served, so the
        # refusal above is about the link, not about a server that never reloads.
        weights.unlink()
        shutil.copy(secret, weights)
        touch_later(weights)
        deadline = time.monotonic() + 10
        answer = requests.get(url, timeout=10)
        while answer.json()["version_id"] == good and time.monotonic() < deadline:
            time.sleep(0.1)
            answer = requests.get(url, timeout=10)
        assert answer.json()["version_id"] == load_policy_bundle(bundle_dir).version_id != good
        assert MARKER in answer.text
