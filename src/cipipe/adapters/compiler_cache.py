"""ccache, the compiler cache: found on PATH, put in front of the compilers through the
environment, and its per-build statistics read back.

The cache is ccache's own default folder, or ``$CIPIPE_CACHE_DIR/ccache`` when that is set (one
cache shared by every work folder on the agent). Statistics come from a stats log written for
this one build (``CCACHE_STATSLOG``): ccache's counters (``--print-stats``) are global, so builds
running at once on the agent, or the other platforms of this build, would be counted in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.process import find_program

# The counters ccache writes to a stats log, one per line under a "# <input file>" line.
_HITS = frozenset({"direct_cache_hit", "preprocessed_cache_hit"})
_MISS = "cache_miss"


@dataclass(frozen=True)
class CompilerCache:
    tool: str
    program: str  # the absolute path of the launcher
    cache_dir: Path | None  # None: ccache's own default

    def launcher_env(self, stats_log: Path) -> dict[str, str]:
        """What makes a CMake build compile through this cache and log this build's outcomes.

        CMake (>= 3.17) takes CMAKE_<LANG>_COMPILER_LAUNCHER from the environment when a tree is
        configured, so the project's own files are not touched."""
        env = {f"CMAKE_{lang}_COMPILER_LAUNCHER": self.program for lang in ("C", "CXX")}
        env["CCACHE_STATSLOG"] = str(stats_log)
        if self.cache_dir is not None:
            env["CCACHE_DIR"] = str(self.cache_dir)
        return env


@dataclass(frozen=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    uncacheable: int = 0  # links, preprocessing-only calls, unsupported options


def find_compiler_cache(env: Mapping[str, str]) -> CompilerCache | None:
    """ccache when it is installed and not turned off in ``env`` (CCACHE_DISABLE)."""
    if env.get("CCACHE_DISABLE", "").lower() not in ("", "0", "false"):
        return None
    program = find_program("ccache")
    if program is None:
        return None
    base = env.get("CIPIPE_CACHE_DIR")
    return CompilerCache("ccache", program, Path(base) / "ccache" if base else None)


def without_compiler_cache(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a build that must compile everything itself: no launcher from the
    environment, and ccache disabled for a project that names it in its own files or a
    ``/usr/lib/ccache`` folder on PATH."""
    kept = {
        k: v
        for k, v in env.items()
        if not (k.startswith("CMAKE_") and k.endswith("_COMPILER_LAUNCHER"))
        and k != "CCACHE_STATSLOG"
    }
    kept["CCACHE_DISABLE"] = "1"
    return kept


def read_stats_log(path: Path) -> CacheStats:
    """The outcome of every compilation logged in ``path`` (none when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return CacheStats()
    outcomes: list[set[str]] = []
    for line in text.splitlines():
        if line.startswith("# "):
            outcomes.append(set())
        elif line.strip() and outcomes:
            outcomes[-1].add(line.strip())
    hits = sum(1 for counters in outcomes if counters & _HITS)
    misses = sum(1 for counters in outcomes if _MISS in counters and not counters & _HITS)
    # Links, preprocessing-only calls, unsupported options, failed compilations.
    return CacheStats(hits, misses, len(outcomes) - hits - misses)
