"""The golden-file switch (tests/support/snapshots.py): refused in CI, and an update run still
checks the new text, writes only what changed and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.contracts.samples import sample_source
from tests.support import snapshots
from tests.support.snapshots import (
    REFUSED_IN_CI,
    UPDATE_FLAG,
    SnapshotRewritten,
    assert_snapshot,
    assert_snapshot_text,
)

TINY_TEST = """\
from pathlib import Path


def test_ran() -> None:
    Path(__file__).with_name("ran").write_text("yes")
"""


def run_tiny_session(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on one tiny test with the snapshot plugin, in a clean environment plus ``env``."""
    (tmp_path / "test_tiny.py").write_text(TINY_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    argv += ["-p", "tests.support.snapshots", "-c", str(tmp_path / "pytest.ini")]
    argv += ["--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**keep, "PYTHONPATH": str(REPO_ROOT), **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("ci", [{"CI": "true"}, {"CIPIPE_REQUIRE_TOOLS": "1"}])
def test_the_update_switch_is_refused_in_ci_before_any_test_runs(
    tmp_path: Path, ci: dict[str, str]
) -> None:
    result = run_tiny_session(tmp_path, **ci, **{UPDATE_FLAG: "1"})
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert said == [f"ERROR: {REFUSED_IN_CI}"]
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    "env", [{UPDATE_FLAG: "1"}, {"CI": "true"}, {"CI": "true", UPDATE_FLAG: "0"}]
)
def test_a_laptop_update_and_a_ci_comparison_run(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_tiny_session(tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "ran").read_text() == "yes"


@pytest.fixture
def golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "snapshots"
    monkeypatch.setattr(snapshots, "SNAPSHOTS", folder)
    monkeypatch.setenv(UPDATE_FLAG, "1")
    return folder


def test_an_update_rewrites_a_changed_file_and_says_so(golden: Path) -> None:
    with pytest.warns(SnapshotRewritten, match="rewrote .*new.json"):
        assert_snapshot("new.json", {"a": 1})
    assert json.loads((golden / "new.json").read_text()) == {"a": 1}
    with pytest.warns(SnapshotRewritten, match="rewrote .*new.json"):
        assert_snapshot("new.json", {"a": 2})
    assert json.loads((golden / "new.json").read_text()) == {"a": 2}


def test_an_update_leaves_an_unchanged_file_alone(golden: Path) -> None:
    golden.mkdir()
    path = golden / "same.json"
    path.write_text('{\n  "a": 1\n}\n')
    os.utime(path, (0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a SnapshotRewritten would fail the test
        assert_snapshot("same.json", {"a": 1})
    assert path.stat().st_mtime == 0


def test_an_update_refuses_text_that_does_not_parse(golden: Path) -> None:
    with pytest.raises(json.JSONDecodeError):
        assert_snapshot_text("broken.json", '{"a": 1,}\n')
    with pytest.raises(Exception, match="mapping values"):
        assert_snapshot_text("broken.yaml", "a: b: c\n")
    assert not golden.exists()


def test_an_update_checks_a_cipipe_file_against_its_schema(golden: Path) -> None:
    good = json.loads(sample_source().to_json())
    with pytest.warns(SnapshotRewritten):
        assert_snapshot("source.json", good)
    bad = {**good, "commit": 42}
    with pytest.raises(AssertionError, match=r"cipipe.source/1 file breaks its schema"):
        assert_snapshot("source.json", bad)
    assert json.loads((golden / "source.json").read_text()) == good


def test_an_update_checks_a_sarif_log_against_the_oasis_schema(golden: Path) -> None:
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}  # a driver needs a name
    with pytest.raises(AssertionError):
        assert_snapshot("log.sarif.json", log)
    assert not golden.exists()


def test_without_the_switch_a_difference_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "SNAPSHOTS", tmp_path)
    monkeypatch.delenv(UPDATE_FLAG, raising=False)
    (tmp_path / "x.json").write_text('{\n  "a": 1\n}\n')
    assert_snapshot("x.json", {"a": 1})
    with pytest.raises(AssertionError, match="differs from its snapshot"):
        assert_snapshot("x.json", {"a": 2})
