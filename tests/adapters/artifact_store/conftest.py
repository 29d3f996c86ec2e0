"""Fixtures the artifact store tests share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adapters.artifact_store.helpers import SECRET
from tests.support.jfcli import FAKE_JF


@pytest.fixture
def fake_jf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake jf first on PATH, its server in tmp_path; the log of its runs."""
    log = tmp_path / "jf.jsonl"
    monkeypatch.setenv("FAKE_JF_LOG", str(log))
    monkeypatch.setenv("FAKE_JF_ROOT", str(tmp_path / "server"))
    monkeypatch.setenv("JFROG_CLI_ACCESS_TOKEN", SECRET)
    monkeypatch.delenv("FAKE_JF_FAIL", raising=False)
    monkeypatch.setenv("PATH", f"{FAKE_JF.parent}{os.pathsep}{os.environ['PATH']}")
    return log
