"""The ccache adapter without a build: finding it, the environments it gives, its stats log."""

from __future__ import annotations

from pathlib import Path

import pytest

from cipipe.adapters import compiler_cache
from cipipe.adapters.compiler_cache import (
    CacheStats,
    find_compiler_cache,
    read_stats_log,
    without_compiler_cache,
)

# As ccache 4.7 writes it: a miss, a direct hit, a preprocessed hit, a link, a failed compile.
STATS_LOG = """\
# /src/a.cpp
cache_miss
direct_cache_miss
local_storage_miss
local_storage_write
preprocessed_cache_miss
# /src/a.cpp
direct_cache_hit
local_storage_hit
local_storage_read_hit
# /src/b.cpp
direct_cache_miss
preprocessed_cache_hit
local_storage_hit
# a.o
called_for_link
# /src/c.cpp
compile_failed
"""


def test_stats_log_counts_each_compilation_once(tmp_path: Path) -> None:
    log = tmp_path / "stats"
    log.write_text(STATS_LOG)
    assert read_stats_log(log) == CacheStats(hits=2, misses=1, uncacheable=2)


def test_no_stats_log_is_no_compilation(tmp_path: Path) -> None:
    assert read_stats_log(tmp_path / "missing") == CacheStats()


def test_found_on_path_with_the_shared_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler_cache, "find_program", lambda name: f"/opt/bin/{name}")
    found = find_compiler_cache({"CIPIPE_CACHE_DIR": "/var/cache/ci"})
    assert found is not None and found.program == "/opt/bin/ccache"
    env = found.launcher_env(Path("/w/logs/build-linux.ccache-stats"))
    assert env == {
        "CMAKE_C_COMPILER_LAUNCHER": "/opt/bin/ccache",
        "CMAKE_CXX_COMPILER_LAUNCHER": "/opt/bin/ccache",
        "CCACHE_STATSLOG": "/w/logs/build-linux.ccache-stats",
        "CCACHE_DIR": "/var/cache/ci/ccache",
    }
    default = find_compiler_cache({})
    assert default is not None and default.cache_dir is None
    assert "CCACHE_DIR" not in default.launcher_env(Path("s"))


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_ccache_disable_in_the_environment_is_respected(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr(compiler_cache, "find_program", lambda name: f"/opt/bin/{name}")
    assert find_compiler_cache({"CCACHE_DISABLE": value}) is None


def test_not_installed_is_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler_cache, "find_program", lambda name: None)
    assert find_compiler_cache({}) is None


def test_a_build_without_the_cache_loses_every_launcher() -> None:
    env = {
        "PATH": "/usr/bin",
        "CMAKE_CXX_COMPILER_LAUNCHER": "ccache",
        "CMAKE_C_COMPILER_LAUNCHER": "sccache",
        "CMAKE_CUDA_COMPILER_LAUNCHER": "ccache",
        "CCACHE_STATSLOG": "/w/stats",
    }
    assert without_compiler_cache(env) == {"PATH": "/usr/bin", "CCACHE_DISABLE": "1"}
