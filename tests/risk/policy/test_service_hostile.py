"""`cipipe policy serve` under a hostile edit of its folder: an alias bomb, a FIFO or a folder in
place of a policy file is refused at once and the last good bundle stays online; at start-up
there is nothing good to serve, so it is an InputError, fast."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from cipipe.errors import InputError
from cipipe.risk.policy.bundle import WEIGHTS_FILE, load_policy_bundle
from cipipe.risk.policy.service import serve_policy
from tests.support.hangs import BILLION_LAUGHS, no_hang, unblocking
from tests.support.policyserver import running


@pytest.fixture
def folder(bundle_dir: Path) -> Path:
    return bundle_dir


def _bomb(path: Path) -> None:
    path.write_text(BILLION_LAUGHS)


def _deep(path: Path) -> None:
    path.write_text("weights: " + "[" * 100_000)


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


EDITS: dict[str, Callable[[Path], None]] = {
    "alias bomb": _bomb,
    "deep nesting": _deep,
    "a FIFO": _fifo,
    "a folder": _folder,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hostile_edit_keeps_the_last_good_bundle_online(
    folder: Path, caplog: pytest.LogCaptureFixture, edit: str
) -> None:
    good = load_policy_bundle(folder).version_id
    weights = folder / WEIGHTS_FILE
    with running(folder) as server:
        EDITS[edit](weights)
        with (
            caplog.at_level(logging.WARNING, logger="cipipe.policy"),
            no_hang(),
            unblocking(weights),
        ):
            answer = requests.get(server.url, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["ETag"] == f'"{good}"'
        assert f"still serving {good}" in caplog.text and WEIGHTS_FILE in caplog.text


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hostile_folder_at_start_up_is_an_input_error(folder: Path, edit: str) -> None:
    weights = folder / WEIGHTS_FILE
    EDITS[edit](weights)
    with no_hang(), unblocking(weights), pytest.raises(InputError) as caught:
        serve_policy(folder)
    assert caught.value.file == str(weights)
