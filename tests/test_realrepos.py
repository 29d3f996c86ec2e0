from __future__ import annotations

from pathlib import Path

from tests.support.realrepos import missing_reason, real_repos_dir


def test_the_environment_variable_wins(tmp_path: Path) -> None:
    assert real_repos_dir({"CIPIPE_REAL_REPOS": str(tmp_path)}) == tmp_path


def test_missing_bundles_are_named(tmp_path: Path) -> None:
    (tmp_path / "spdlog.bundle").write_bytes(b"")
    reason = missing_reason("yaml-cpp", "spdlog", env={"CIPIPE_REAL_REPOS": str(tmp_path)})
    assert reason == f"yaml-cpp.bundle not in {tmp_path} (set CIPIPE_REAL_REPOS)"
    assert missing_reason("spdlog", env={"CIPIPE_REAL_REPOS": str(tmp_path)}) is None
